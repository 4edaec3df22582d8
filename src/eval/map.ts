/**
 * Detection mAP as `eval` reports it: VOC AP@0.5 (all-point, and the VOC2007 11-point variant)
 * and the COCO metrics (AP@[.5:.95], AP50, AP75, small/medium/large, AR@100), per class and
 * averaged over the classes that have ground truth.
 */
import { cocoEvaluate, type CocoOptions } from './coco-eval.js';
import type { EvalSet } from './eval-types.js';
import { vocEvaluate, type VocClassResult, type VocOptions } from './voc-ap.js';

/** Per-class line of the report. -1 (COCO) / NaN (VOC) → no ground truth of that kind. */
export interface ClassMetrics {
  classId: number;
  name: string;
  /** Non-ignored ground-truth boxes. */
  numGt: number;
  /** Detections counted at IoU 0.5 (VOC rules). */
  numDet: number;
  /** VOC all-point AP at IoU 0.5. */
  ap50: number;
  /** VOC2007 11-point AP at IoU 0.5. */
  ap50Voc07: number;
  /** COCO AP@[.5:.95]. */
  ap: number;
  /** COCO AP at IoU 0.75. */
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
}

/** The whole report (`eval --json` prints it). */
export interface MapReport {
  images: number;
  /** VOC mAP@0.5, all-point interpolation. */
  map50: number;
  /** VOC2007 11-point mAP@0.5. */
  map50Voc07: number;
  /** COCO mAP@[.5:.95]. */
  map: number;
  /** COCO's own AP50 (101-point interpolation; differs slightly from `map50`). */
  cocoMap50: number;
  map75: number;
  mapSmall: number;
  mapMedium: number;
  mapLarge: number;
  /** COCO AR@100. */
  mar100: number;
  perClass: ClassMetrics[];
}

/** Options of {@link evaluateMap}. */
export interface MapOptions {
  voc?: Partial<VocOptions>;
  coco?: Partial<CocoOptions>;
}

/** Evaluates `set`; returns the report plus the VOC per-class curves (for PR pictures). */
export function evaluateMap(set: EvalSet, options: MapOptions = {}): { report: MapReport; curves: VocClassResult[] } {
  const voc = vocEvaluate(set, options.voc);
  const coco = cocoEvaluate(set, options.coco);
  const withGt = voc.filter((c) => c.numGt > 0);
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const perClass: ClassMetrics[] = set.classes.map((name, k) => ({
    classId: k,
    name,
    numGt: voc[k].numGt,
    numDet: voc[k].numDet,
    ap50: voc[k].ap,
    ap50Voc07: voc[k].ap11,
    ap: coco.perClass[k].ap,
    ap75: coco.perClass[k].ap75,
    apSmall: coco.perClass[k].apSmall,
    apMedium: coco.perClass[k].apMedium,
    apLarge: coco.perClass[k].apLarge,
  }));
  return {
    report: {
      images: new Set(set.imageIds).size,
      map50: mean(withGt.map((c) => c.ap)),
      map50Voc07: mean(withGt.map((c) => c.ap11)),
      map: Math.max(0, coco.map),
      cocoMap50: Math.max(0, coco.map50),
      map75: Math.max(0, coco.map75),
      mapSmall: coco.mapSmall,
      mapMedium: coco.mapMedium,
      mapLarge: coco.mapLarge,
      mar100: Math.max(0, coco.mar),
      perClass,
    },
    curves: voc,
  };
}

const pct = (v: number): string => (Number.isNaN(v) || v < 0 ? '    -' : (v * 100).toFixed(1).padStart(5));

/** The report as a terminal table (percent). */
export function formatMapTable(r: MapReport): string {
  const w = Math.max(5, ...r.perClass.map((c) => c.name.length));
  const head = `${'class'.padEnd(w)}  ${'gt'.padStart(6)} ${'dets'.padStart(6)}  AP50  AP50'07  AP  AP75  APs   APm   APl`;
  const lines = [head, '-'.repeat(head.length + 4)];
  for (const c of r.perClass) {
    lines.push(
      `${c.name.padEnd(w)}  ${String(c.numGt).padStart(6)} ${String(c.numDet).padStart(6)} ${pct(c.ap50)} ${pct(c.ap50Voc07)}  ${pct(c.ap)} ${pct(c.ap75)} ${pct(c.apSmall)} ${pct(c.apMedium)} ${pct(c.apLarge)}`,
    );
  }
  lines.push('-'.repeat(head.length + 4));
  lines.push(
    `${'mean'.padEnd(w)}  ${String(r.perClass.reduce((n, c) => n + c.numGt, 0)).padStart(6)} ${String(r.perClass.reduce((n, c) => n + c.numDet, 0)).padStart(6)} ${pct(r.map50)} ${pct(r.map50Voc07)}  ${pct(r.map)} ${pct(r.map75)} ${pct(r.mapSmall)} ${pct(r.mapMedium)} ${pct(r.mapLarge)}`,
  );
  lines.push('', `VOC mAP@0.5 ${pct(r.map50).trim()}%  (11-point ${pct(r.map50Voc07).trim()}%)   COCO mAP@[.5:.95] ${pct(r.map).trim()}%  AR@100 ${pct(r.mar100).trim()}%   on ${r.images} images`);
  return lines.join('\n');
}
