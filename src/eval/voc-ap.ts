/**
 * Pascal VOC average precision (the devkit's `VOCevaldet` / `voc_eval`): detections of a class
 * over all images in descending score, each matched to the ground truth it overlaps most; IoU ≥
 * threshold and that ground truth unclaimed → true positive, claimed → false positive
 * (duplicate), `difficult`/ignored → neither. AP is the area under the monotone precision
 * envelope at every recall step ("all-point", VOC2010+) or the mean of the envelope at recall
 * 0, 0.1, ..., 1 (the VOC2007 "11-point" metric). IoU is continuous (no VOC +1 pixel), as in
 * torchmetrics and recent detectron2.
 */
import { boxArea, evalIou, groupByImageClass, intersection, type EvalSet } from './eval-types.js';

/** VOC settings. */
export interface VocOptions {
  iouThreshold: number;
  /** A detection covering at least this fraction of its area inside an ignore region, and matching nothing, is ignored. */
  ignoreRegionCoverage: number;
}

/** Defaults: IoU 0.5, ignore-region coverage 0.5. */
export const DEFAULT_VOC: Readonly<VocOptions> = Object.freeze({ iouThreshold: 0.5, ignoreRegionCoverage: 0.5 });

/** One class's VOC result. */
export interface VocClassResult {
  classId: number;
  /** Non-ignored ground truths. */
  numGt: number;
  /** Detections counted (ignored ones excluded). */
  numDet: number;
  /** All-point interpolated AP; NaN when the class has no ground truth. */
  ap: number;
  /** VOC2007 11-point AP; NaN when the class has no ground truth. */
  ap11: number;
  /** Precision and recall after each counted detection, in score order. */
  precision: Float64Array;
  recall: Float64Array;
  /** Score of each counted detection. */
  scores: Float64Array;
}

/**
 * All-point AP (VOC2010+): area under the precision envelope.
 * @param recall `(D)` non-decreasing
 * @param precision `(D)`
 */
export function vocApAllPoint(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  const n = recall.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  mrec[n + 1] = 1;
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recall[i];
    mpre[i + 1] = precision[i];
  }
  for (let i = n; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i <= n + 1; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}

/** VOC2007 11-point AP: mean over t ∈ {0, 0.1, ..., 1} of the best precision at recall ≥ t. */
export function vocAp11Point(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  let ap = 0;
  for (let k = 0; k <= 10; k++) {
    const t = k / 10;
    let p = 0;
    for (let i = 0; i < recall.length; i++) if (recall[i] >= t - 1e-12 && precision[i] > p) p = precision[i];
    ap += p / 11;
  }
  return ap;
}

/** Evaluates every class of `set` the VOC way. */
export function vocEvaluate(set: EvalSet, options: Partial<VocOptions> = {}): VocClassResult[] {
  const opts = { ...DEFAULT_VOC, ...options };
  const images = new Set(set.imageIds);
  const gtBy = groupByImageClass(set.groundTruth.filter((g) => images.has(g.imageId)));
  const regions = new Map<number, (typeof set.ignoreRegions & object)[number][]>();
  for (const r of set.ignoreRegions ?? []) if (images.has(r.imageId)) regions.set(r.imageId, [...(regions.get(r.imageId) ?? []), r]);
  return set.classes.map((_, classId) => {
    const dets = set.detections
      .filter((d) => d.classId === classId && images.has(d.imageId))
      .map((d, i) => ({ d, i }))
      // Stable: equal scores keep input order, like numpy's argsort(kind='stable').
      .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
      .map((x) => x.d);
    let numGt = 0;
    const claimed = new Map<string, boolean[]>();
    for (const [k, list] of gtBy) {
      if (!k.endsWith(`:${classId}`)) continue;
      claimed.set(k, list.map(() => false));
      numGt += list.filter((g) => !g.ignore).length;
    }
    const tp: number[] = [];
    const fp: number[] = [];
    const scores: number[] = [];
    for (const d of dets) {
      const k = `${d.imageId}:${classId}`;
      const gts = gtBy.get(k) ?? [];
      let best = -1;
      let bestIou = 0;
      gts.forEach((g, j) => {
        const iou = evalIou(d.xyxy, g.xyxy);
        if (iou > bestIou) {
          bestIou = iou;
          best = j;
        }
      });
      if (best >= 0 && bestIou >= opts.iouThreshold) {
        if (gts[best].ignore) continue;
        const c = claimed.get(k)!;
        const isTp = !c[best];
        c[best] = true;
        tp.push(isTp ? 1 : 0);
        fp.push(isTp ? 0 : 1);
        scores.push(d.score);
        continue;
      }
      const area = boxArea(d.xyxy);
      const inIgnore = (regions.get(d.imageId) ?? []).some((r) => area > 0 && intersection(d.xyxy, r.xyxy) / area >= opts.ignoreRegionCoverage);
      if (inIgnore) continue;
      tp.push(0);
      fp.push(1);
      scores.push(d.score);
    }
    const n = tp.length;
    const precision = new Float64Array(n);
    const recall = new Float64Array(n);
    let ctp = 0;
    let cfp = 0;
    for (let i = 0; i < n; i++) {
      ctp += tp[i];
      cfp += fp[i];
      recall[i] = numGt > 0 ? ctp / numGt : 0;
      precision[i] = ctp / Math.max(ctp + cfp, Number.EPSILON);
    }
    const ap = numGt > 0 ? vocApAllPoint(recall, precision) : NaN;
    const ap11 = numGt > 0 ? vocAp11Point(recall, precision) : NaN;
    return { classId, numGt, numDet: n, ap, ap11, precision, recall, scores: Float64Array.from(scores) };
  });
}
