/**
 * Picking and renaming classes: `--classes person,bicycle` keeps those two (in that order);
 * `--classes person,vehicle=car|truck|bus` also merges three source classes into `vehicle`.
 * Boxes of classes not picked are dropped (they are background for the new model).
 */
import { ConfigError } from '../../errors.js';
import type { Dataset } from './dataset-format.js';
import type { ImportReport } from './import-report.js';

/** One target class and the source class names that feed it. */
export interface ClassMapEntry {
  name: string;
  sources: string[];
}

/** Parses `a,b=c|d` into entries. Throws `ConfigError` on an empty or repeated name. */
export function parseClassMap(spec: string, optionName = '--classes'): ClassMapEntry[] {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const [name, src] = part.split('=').map((s) => s.trim());
      const sources = src === undefined ? [name] : src.split('|').map((s) => s.trim()).filter(Boolean);
      if (!name || sources.length === 0) throw new ConfigError(optionName, `"${part}" is not "name" or "name=source|source"`);
      return { name, sources };
    });
  if (entries.length === 0) throw new ConfigError(optionName, 'no class given');
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new ConfigError(optionName, `class "${e.name}" is listed twice`);
    seen.add(e.name);
  }
  return entries;
}

/**
 * Returns a copy of `ds` with only the mapped classes, renumbered in map order. Source names
 * match exactly, else case-insensitively; a name matching no class of the dataset is a
 * `ConfigError` listing the classes there are (typos should not silently train nothing).
 */
export function applyClassMap(ds: Dataset, map: ClassMapEntry[], report?: ImportReport, optionName = '--classes'): Dataset {
  const newId = new Map<number, number>();
  map.forEach((entry, target) => {
    for (const src of entry.sources) {
      let id = ds.classes.indexOf(src);
      if (id < 0) id = ds.classes.findIndex((c) => c.toLowerCase() === src.toLowerCase());
      if (id < 0) throw new ConfigError(optionName, `class "${src}" is not in the dataset (classes: ${ds.classes.join(', ')})`);
      newId.set(id, target);
    }
  });
  const annotations = [];
  for (const a of ds.annotations) {
    const c = newId.get(a.classId);
    if (c === undefined) {
      if (report) report.droppedByClassMap++;
      continue;
    }
    annotations.push({ ...a, classId: c });
  }
  // Source ids survive only where a class keeps exactly one source (a merged class has none).
  const sourceClassIds = ds.sourceClassIds
    ? map.map((e) => (e.sources.length === 1 ? ds.sourceClassIds![ds.classes.findIndex((c) => c.toLowerCase() === e.sources[0].toLowerCase())] : -1))
    : undefined;
  return { ...ds, classes: map.map((e) => e.name), annotations, sourceClassIds };
}
