/**
 * MOT metrics as a text table (MOTChallenge's column names, ratios as percentages).
 */
import type { MotMetrics } from './mot-metrics.js';

const pct = (x: number): string => (Number.isFinite(x) ? (100 * x).toFixed(1) : '-');

/** Two-line table: header and values, columns aligned. */
export function formatMotTable(m: MotMetrics): string {
  const cols: Array<[string, string]> = [
    ['MOTA', pct(m.mota)],
    ['IDF1', pct(m.idf1)],
    ['MOTP', pct(m.motp)],
    ['IDP', pct(m.idp)],
    ['IDR', pct(m.idr)],
    ['Rcll', pct(m.recall)],
    ['Prcn', pct(m.precision)],
    ['TP', String(m.tp)],
    ['FP', String(m.fp)],
    ['FN', String(m.fn)],
    ['IDSW', String(m.idSwitches)],
    ['Frag', String(m.fragmentations)],
    ['MT', String(m.mostlyTracked)],
    ['PT', String(m.partiallyTracked)],
    ['ML', String(m.mostlyLost)],
    ['GT', String(m.numGtIds)],
    ['IDs', String(m.numHypIds)],
    ['Frames', String(m.numFrames)],
  ];
  const w = cols.map(([h, v]) => Math.max(h.length, v.length));
  const line = (xs: string[]): string => xs.map((x, i) => x.padStart(w[i])).join('  ');
  return `${line(cols.map((c) => c[0]))}\n${line(cols.map((c) => c[1]))}\n`;
}

/** Metrics as one JSON-able object, NaN as null. */
export function motMetricsJson(m: MotMetrics): Record<string, number | null> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number.isFinite(v) ? v : null]));
}
