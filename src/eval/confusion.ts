/**
 * Where a detector goes wrong, in counts a user can act on. At one score threshold and IoU,
 * every ground truth is either found or **missed**; every detection is a **true positive**, a
 * **duplicate** (a second hit on an already found object), **mislabelled** (it sits on an object
 * of another class that nothing of the right class found), or **background** (nothing there).
 * A class confusion matrix (ground-truth class × detected class, with a background row and
 * column) sums it up.
 */
import { boxArea, evalIou, intersection, type EvalSet } from './eval-types.js';

/** Settings of the summary. */
export interface ConfusionOptions {
  /** Detections below this score are not looked at (the operating point). */
  scoreThreshold: number;
  iouThreshold: number;
}

/** Defaults: score 0.5, IoU 0.5. */
export const DEFAULT_CONFUSION: Readonly<ConfusionOptions> = Object.freeze({ scoreThreshold: 0.5, iouThreshold: 0.5 });

/** Per-class counts. */
export interface ClassConfusion {
  classId: number;
  name: string;
  groundTruth: number;
  truePositives: number;
  missed: number;
  /** Detections of this class on an object of another class. */
  mislabelled: number;
  duplicates: number;
  /** Detections of this class where there is no object. */
  background: number;
}

/** The whole summary. */
export interface ConfusionSummary {
  scoreThreshold: number;
  iouThreshold: number;
  perClass: ClassConfusion[];
  totals: Omit<ClassConfusion, 'classId' | 'name'>;
  /**
   * `(K+1)×(K+1)`: `matrix[g][d]` counts ground truths of class g detected as class d; row K is
   * "no object" (background detections), column K is "not detected" (missed).
   */
  matrix: number[][];
}

/** Computes the summary for `set`. */
export function confusionSummary(set: EvalSet, options: Partial<ConfusionOptions> = {}): ConfusionSummary {
  const opts = { ...DEFAULT_CONFUSION, ...options };
  const K = set.classes.length;
  const images = new Set(set.imageIds);
  const matrix = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0));
  const perClass: ClassConfusion[] = set.classes.map((name, classId) => ({ classId, name, groundTruth: 0, truePositives: 0, missed: 0, mislabelled: 0, duplicates: 0, background: 0 }));
  const gtByImage = new Map<number, (EvalSet['groundTruth'][number] & { found: boolean; hitBy: number })[]>();
  for (const g of set.groundTruth) {
    if (!images.has(g.imageId)) continue;
    gtByImage.set(g.imageId, [...(gtByImage.get(g.imageId) ?? []), { ...g, found: false, hitBy: -1 }]);
    if (!g.ignore && !g.crowd) perClass[g.classId].groundTruth++;
  }
  const regions = new Map<number, EvalSet['ignoreRegions'] & object>();
  for (const r of set.ignoreRegions ?? []) regions.set(r.imageId, [...(regions.get(r.imageId) ?? []), r]);
  const dets = set.detections.filter((d) => images.has(d.imageId) && d.score >= opts.scoreThreshold).sort((a, b) => b.score - a.score);
  // Pass 1: same-class matches, greedy by score, so a right detection is never called mislabelled
  // because a wrong one scored higher.
  const leftover: typeof dets = [];
  for (const d of dets) {
    const gts = gtByImage.get(d.imageId) ?? [];
    let best = -1;
    let bestIou = opts.iouThreshold;
    let dup = false;
    let ignored = false;
    gts.forEach((g, j) => {
      if (g.classId !== d.classId) return;
      const iou = evalIou(d.xyxy, g.xyxy, g.crowd);
      if (iou < opts.iouThreshold) return;
      if (g.ignore || g.crowd) ignored = true;
      else if (g.found) dup = true;
      else if (iou >= bestIou) {
        bestIou = iou;
        best = j;
      }
    });
    if (best >= 0) {
      gts[best].found = true;
      perClass[d.classId].truePositives++;
      matrix[d.classId][d.classId]++;
    } else if (dup) perClass[d.classId].duplicates++;
    else if (!ignored) leftover.push(d);
  }
  // Pass 2: the rest are mislabels (on an object of another class) or background.
  for (const d of leftover) {
    const gts = gtByImage.get(d.imageId) ?? [];
    let best = -1;
    let bestIou = opts.iouThreshold;
    gts.forEach((g, j) => {
      if (g.classId === d.classId || g.ignore || g.crowd) return;
      const iou = evalIou(d.xyxy, g.xyxy);
      if (iou >= bestIou) {
        bestIou = iou;
        best = j;
      }
    });
    if (best >= 0) {
      perClass[d.classId].mislabelled++;
      const g = gts[best];
      if (!g.found && g.hitBy < 0) {
        g.hitBy = d.classId;
        matrix[g.classId][d.classId]++;
      }
      continue;
    }
    const area = boxArea(d.xyxy);
    if ((regions.get(d.imageId) ?? []).some((r) => area > 0 && intersection(d.xyxy, r.xyxy) / area >= 0.5)) continue;
    perClass[d.classId].background++;
    matrix[K][d.classId]++;
  }
  for (const gts of gtByImage.values()) {
    for (const g of gts) {
      if (g.found || g.ignore || g.crowd) continue;
      perClass[g.classId].missed++;
      if (g.hitBy < 0) matrix[g.classId][K]++;
    }
  }
  const totals = { groundTruth: 0, truePositives: 0, missed: 0, mislabelled: 0, duplicates: 0, background: 0 };
  for (const c of perClass) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += c[k];
  return { scoreThreshold: opts.scoreThreshold, iouThreshold: opts.iouThreshold, perClass, totals, matrix };
}

/** The summary as terminal text. */
export function formatConfusion(s: ConfusionSummary): string {
  const w = Math.max(5, ...s.perClass.map((c) => c.name.length));
  const cols = ['gt', 'found', 'missed', 'mislabel', 'dup', 'bkgnd'];
  const lines = [`errors at score ≥ ${s.scoreThreshold}, IoU ≥ ${s.iouThreshold}:`, `${'class'.padEnd(w)}  ${cols.map((c) => c.padStart(8)).join('')}`];
  const row = (name: string, c: Omit<ClassConfusion, 'classId' | 'name'>): string =>
    `${name.padEnd(w)}  ${[c.groundTruth, c.truePositives, c.missed, c.mislabelled, c.duplicates, c.background].map((v) => String(v).padStart(8)).join('')}`;
  for (const c of s.perClass) lines.push(row(c.name, c));
  lines.push(row('total', s.totals));
  return lines.join('\n');
}
