/**
 * Line numbers for the elements of a JSON document's top-level arrays (COCO's `images`,
 * `annotations`, `categories`), so a bad COCO entry can be reported as `file:line` even though
 * `JSON.parse` forgets positions. One linear scan; strings and escapes are skipped properly.
 */

/**
 * For each key of the root object whose value is an array, the 1-based line on which each
 * element of that array starts. Malformed JSON yields partial results (the caller parses with
 * `JSON.parse` for errors).
 */
export function topLevelArrayLines(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let line = 1;
  let depth = 0;
  let lastString = '';
  let currentKey: string | undefined; // key whose array we are in (depth 2)
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (c === 34 /* " */) {
      const start = i;
      i++;
      while (i < text.length && text.charCodeAt(i) !== 34) {
        if (text.charCodeAt(i) === 92 /* \ */) i++;
        else if (text.charCodeAt(i) === 10) line++;
        i++;
      }
      if (depth === 1) lastString = text.slice(start + 1, i);
      else if (depth === 2 && expectElement && currentKey !== undefined) {
        out.get(currentKey)!.push(line);
        expectElement = false;
      }
      continue;
    }
    if (depth === 2 && expectElement && currentKey !== undefined && c !== 93 /* ] */) {
      out.get(currentKey)!.push(line);
      expectElement = false;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      if (depth === 1 && c === 91) {
        currentKey = lastString;
        out.set(currentKey, []);
        expectElement = true;
      }
      depth++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth === 1) currentKey = undefined;
    } else if (c === 44 /* , */ && depth === 2 && currentKey !== undefined) {
      expectElement = true;
    }
  }
  return out;
}
