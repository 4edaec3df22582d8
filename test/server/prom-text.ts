/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), enough to check
 * that `/metrics` is well formed: every sample belongs to a declared family, names and labels
 * are legal, values are numbers, histograms have `_bucket{le}`, `_sum` and `_count`.
 */

/** One sample line. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One metric family (`# HELP` / `# TYPE` plus its samples). */
export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses exposition text; throws an Error naming the line at fault. */
export function parsePromText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // plain comment
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name at ${where}`);
      const fam = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type at ${where}`);
        fam.type = rest;
      } else fam.help = rest;
      families.set(name, fam);
      return;
    }
    const sample = parseSample(line, where);
    const fam = familyOf(sample.name, families);
    if (!fam) throw new Error(`sample without a # TYPE family at ${where}`);
    fam.samples.push(sample);
  });
  for (const fam of families.values()) if (fam.type === 'histogram') checkHistogram(fam);
  return families;
}

function parseSample(line: string, where: string): PromSample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
  if (!m) throw new Error(`bad sample at ${where}`);
  const labels: Record<string, string> = {};
  const body = m[3] ?? '';
  const re = /([^=,\s]+)="((?:[^"\\]|\\.)*)",?/gy;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const lm = re.exec(body);
    if (!lm) throw new Error(`bad labels at ${where}`);
    if (!LABEL.test(lm[1])) throw new Error(`bad label name ${lm[1]} at ${where}`);
    labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    pos = re.lastIndex;
  }
  const value = parseGoFloat(m[4]);
  if (value === undefined) throw new Error(`bad value at ${where}`);
  return { name: m[1], labels, value };
}

/** Prometheus reads values with Go's ParseFloat: NaN and Inf in any letter case. */
function parseGoFloat(raw: string): number | undefined {
  const lower = raw.toLowerCase();
  if (lower === 'nan') return NaN;
  if (/^[+-]?inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) return undefined;
  return Number(raw);
}

function familyOf(sample: string, families: Map<string, PromFamily>): PromFamily | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suffix)) {
      const fam = families.get(sample.slice(0, -suffix.length));
      if (fam && (fam.type === 'histogram' || fam.type === 'summary')) return fam;
    }
  }
  return undefined;
}

/** Buckets cumulative and ending in +Inf equal to _count, per label set. */
function checkHistogram(fam: PromFamily): void {
  const groups = new Map<string, PromSample[]>();
  for (const s of fam.samples) {
    if (s.name !== `${fam.name}_bucket`) continue;
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${fam.name}_bucket without le`);
    const key = JSON.stringify(rest);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, buckets] of groups) {
    let prev = -Infinity;
    for (const b of buckets) {
      if (b.value < prev) throw new Error(`${fam.name}${key}: buckets not cumulative`);
      prev = b.value;
    }
    const last = buckets[buckets.length - 1];
    if (last.labels.le !== '+Inf') throw new Error(`${fam.name}${key}: last bucket is not +Inf`);
    const count = fam.samples.find(
      (s) => s.name === `${fam.name}_count` && JSON.stringify(s.labels) === key,
    );
    if (!count || count.value !== last.value) throw new Error(`${fam.name}${key}: _count differs from +Inf`);
  }
}
