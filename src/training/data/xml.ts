/**
 * A small XML reader for annotation files (Pascal VOC, CVAT). It keeps the 1-based line of each
 * element so that a bad box can be reported as `file:line`. It handles what those tools write:
 * elements, attributes, text, comments, CDATA, `<?xml ...?>`, `<!DOCTYPE>` and the predefined and
 * numeric entities. No namespaces, no DTD expansion.
 */
import { SsdsError, ErrorCodes } from '../../errors.js';

/** One element of the tree. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside the element, trimmed. */
  text: string;
  /** 1-based line of the element's `<`. */
  line: number;
}

// Sticky so it matches at `lastIndex` without copying the rest of the document.
const START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/**
 * Parses `text` (the content of `file`, named in errors) and returns the root element.
 * Throws `SSDS_ERR_DATASET_INVALID` naming file and line when the XML is malformed.
 */
export function parseXml(text: string, file: string): XmlElement {
  let pos = 0;
  let line = 1;
  const stack: XmlElement[] = [];
  const textParts: string[][] = [];
  let root: XmlElement | undefined;
  const fail = (msg: string): never => {
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}:${line}: malformed XML: ${msg}`);
  };
  // Advances to `end`, counting newlines on the way so each element knows its line.
  const advance = (end: number): void => {
    for (let i = pos; i < end; i++) if (text.charCodeAt(i) === 10) line++;
    pos = end;
  };
  const skipPast = (marker: string): void => {
    const end = text.indexOf(marker, pos);
    if (end < 0) fail(`unterminated ${marker === '-->' ? 'comment' : marker}`);
    advance(end + marker.length);
  };

  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const chunkEnd = lt < 0 ? text.length : lt;
    if (chunkEnd > pos) {
      if (stack.length) textParts[textParts.length - 1].push(decodeEntities(text.slice(pos, chunkEnd)));
      advance(chunkEnd);
    }
    if (lt < 0) break;
    if (text.startsWith('<!--', pos)) skipPast('-->');
    else if (text.startsWith('<![CDATA[', pos)) {
      const end = text.indexOf(']]>', pos);
      if (end < 0) fail('unterminated CDATA');
      if (stack.length) textParts[textParts.length - 1].push(text.slice(pos + 9, end));
      advance(end + 3);
    } else if (text.startsWith('<?', pos)) skipPast('?>');
    else if (text.startsWith('<!', pos)) skipPast('>');
    else if (text.startsWith('</', pos)) {
      const end = text.indexOf('>', pos);
      if (end < 0) fail('unterminated closing tag');
      const name = text.slice(pos + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> does not close <${open?.name ?? '(nothing)'}>`);
      open!.text = textParts.pop()!.join('').trim();
      advance(end + 1);
    } else {
      const tagLine = line;
      START_TAG.lastIndex = pos;
      const m = START_TAG.exec(text);
      if (!m) fail('bad start tag');
      const el: XmlElement = { name: m![1], attrs: {}, children: [], text: '', line: tagLine };
      for (const a of m![2].matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        el.attrs[a[1]] = decodeEntities(a[2] ?? a[3] ?? '');
      }
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (root) fail('more than one root element');
      else root = el;
      advance(pos + m![0].length);
      if (!m![3]) {
        stack.push(el);
        textParts.push([]);
      }
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1].name}> (line ${stack[stack.length - 1].line}) is never closed`);
  if (!root) fail('no root element');
  return root!;
}

/** First child named `name`, if any. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** All children named `name`. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Text of the first child named `name` (or of the path `a/b/c`), if present. */
export function childText(el: XmlElement, path: string): string | undefined {
  let cur: XmlElement | undefined = el;
  for (const part of path.split('/')) {
    cur = cur && child(cur, part);
    if (!cur) return undefined;
  }
  return cur.text;
}
