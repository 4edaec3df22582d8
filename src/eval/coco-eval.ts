/**
 * COCO bounding-box evaluation, following pycocotools' `COCOeval` (evaluateImg, accumulate,
 * summarize) step by step so the numbers agree with it: per image and class, ground truths
 * sorted non-ignored first, detections by score (stable) and cut to `maxDets`; greedy matching
 * at each IoU threshold where a crowd may take many detections and a match to an ignored ground
 * truth is only kept when nothing better is left; detections outside an area range that match
 * nothing are ignored; precision at 101 recall points from the monotone envelope. Class-agnostic
 * ignore regions act as crowd ground truth of every class. Areas are box areas in pixels.
 */
import { boxArea, evalIou, groupByImageClass, type BoxXyxyPx, type EvalSet } from './eval-types.js';

/** Named area ranges (pixel²), pycocotools' defaults. */
export const COCO_AREA_RANGES = Object.freeze({
  all: [0, 1e10],
  small: [0, 32 ** 2],
  medium: [32 ** 2, 96 ** 2],
  large: [96 ** 2, 1e10],
}) as Readonly<Record<'all' | 'small' | 'medium' | 'large', readonly [number, number]>>;
type AreaName = keyof typeof COCO_AREA_RANGES;
const AREA_NAMES: AreaName[] = ['all', 'small', 'medium', 'large'];

/** COCO settings. */
export interface CocoOptions {
  /** IoU thresholds (default 0.50:0.05:0.95). */
  iouThresholds: number[];
  /** Detections kept per image and class (default 100). */
  maxDets: number;
}

/** 0.5, 0.55, ..., 0.95, rounded as numpy's linspace then round(2). */
export const COCO_IOU_THRESHOLDS = Array.from({ length: 10 }, (_, i) => Math.round((0.5 + 0.05 * i) * 100) / 100);
/** 0, 0.01, ..., 1: the 101 recall points. */
export const COCO_RECALL_POINTS = Array.from({ length: 101 }, (_, i) => i / 100);

/** Defaults: the 10 thresholds, 100 detections. */
export const DEFAULT_COCO: Readonly<CocoOptions> = Object.freeze({ iouThresholds: COCO_IOU_THRESHOLDS, maxDets: 100 });

/** Result of {@link cocoEvaluate}. */
export interface CocoResult {
  /** AP@[.5:.95] over classes, all areas; -1 when nothing had ground truth. */
  map: number;
  map50: number;
  map75: number;
  mapSmall: number;
  mapMedium: number;
  mapLarge: number;
  /** AR@maxDets, all areas. */
  mar: number;
  /** Per class AP@[.5:.95], AP50, AP75, small/medium/large (-1 = no ground truth of that kind). */
  perClass: { classId: number; ap: number; ap50: number; ap75: number; apSmall: number; apMedium: number; apLarge: number; recall: number }[];
  /**
   * `(T, R, K, A)` interpolated precision, flattened row-major: thresholds × 101 recall points ×
   * classes × areas (all, small, medium, large); -1 where a class has no ground truth.
   */
  precision: Float64Array;
  /** `(T, K, A)` recall; -1 where a class has no ground truth. */
  recall: Float64Array;
}

interface G {
  xyxy: BoxXyxyPx;
  area: number;
  ignore: boolean;
  crowd: boolean;
}
interface D {
  xyxy: BoxXyxyPx;
  area: number;
  score: number;
}

/** pycocotools `evaluateImg` for one image, class and area range. */
interface ImgEval {
  /** `(T, D)` 1 when matched to a ground truth. */
  dtMatched: Uint8Array[];
  dtIgnore: Uint8Array[];
  dtScores: number[];
  gtIgnore: Uint8Array;
}

function evaluateImg(gtsIn: G[], dtsIn: D[], range: readonly [number, number], thresholds: number[], maxDets: number): ImgEval | undefined {
  if (gtsIn.length === 0 && dtsIn.length === 0) return undefined;
  const ig = gtsIn.map((g) => g.ignore || g.area < range[0] || g.area > range[1]);
  // Non-ignored ground truth first (stable), as `np.argsort(gtIg, kind='mergesort')`.
  const gOrder = gtsIn.map((_, i) => i).sort((a, b) => Number(ig[a]) - Number(ig[b]) || a - b);
  const gts = gOrder.map((i) => gtsIn[i]);
  const gtIg = Uint8Array.from(gOrder, (i) => (ig[i] ? 1 : 0));
  const dts = dtsIn
    .map((d, i) => ({ d, i }))
    .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
    .slice(0, maxDets)
    .map((x) => x.d);
  const ious = dts.map((d) => gts.map((g) => evalIou(d.xyxy, g.xyxy, g.crowd)));
  const T = thresholds.length;
  const dtMatched: Uint8Array[] = [];
  const dtIgnore: Uint8Array[] = [];
  for (let t = 0; t < T; t++) {
    const gtm = new Int32Array(gts.length).fill(-1);
    const dtm = new Uint8Array(dts.length);
    const dti = new Uint8Array(dts.length);
    for (let di = 0; di < dts.length; di++) {
      let iou = Math.min(thresholds[t], 1 - 1e-10);
      let m = -1;
      for (let gi = 0; gi < gts.length; gi++) {
        if (gtm[gi] >= 0 && !gts[gi].crowd) continue;
        // Once matched to a real object, stop at the ignored ones (sorted last).
        if (m > -1 && gtIg[m] === 0 && gtIg[gi] === 1) break;
        if (ious[di][gi] < iou) continue;
        iou = ious[di][gi];
        m = gi;
      }
      if (m === -1) continue;
      dti[di] = gtIg[m];
      dtm[di] = 1;
      gtm[m] = di;
    }
    for (let di = 0; di < dts.length; di++) {
      const a = dts[di].area;
      if (!dtm[di] && (a < range[0] || a > range[1])) dti[di] = 1;
    }
    dtMatched.push(dtm);
    dtIgnore.push(dti);
  }
  return { dtMatched, dtIgnore, dtScores: dts.map((d) => d.score), gtIgnore: gtIg };
}

/** pycocotools `accumulate` for one class and area: precision `(T, R)` and recall `(T)`, or undefined without ground truth. */
function accumulate(evals: ImgEval[], T: number): { precision: Float64Array; recall: Float64Array } | undefined {
  const npig = evals.reduce((n, e) => n + e.gtIgnore.reduce((k, v) => k + (v === 0 ? 1 : 0), 0), 0);
  if (npig === 0) return undefined;
  const scores: number[] = [];
  const owner: [number, number][] = [];
  evals.forEach((e, ei) => e.dtScores.forEach((s, di) => (scores.push(s), owner.push([ei, di]))));
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const R = COCO_RECALL_POINTS.length;
  const precision = new Float64Array(T * R);
  const recall = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const nd = order.length;
    const rc = new Float64Array(nd);
    const pr = new Float64Array(nd);
    let tp = 0;
    let fp = 0;
    for (let k = 0; k < nd; k++) {
      const [ei, di] = owner[order[k]];
      const m = evals[ei].dtMatched[t][di];
      const ig = evals[ei].dtIgnore[t][di];
      if (m && !ig) tp++;
      if (!m && !ig) fp++;
      rc[k] = tp / npig;
      pr[k] = tp / (fp + tp + Number.EPSILON);
    }
    recall[t] = nd ? rc[nd - 1] : 0;
    for (let k = nd - 1; k > 0; k--) if (pr[k] > pr[k - 1]) pr[k - 1] = pr[k];
    // searchsorted(rc, recThrs, side='left'): first k with rc[k] >= r.
    let k = 0;
    for (let ri = 0; ri < R; ri++) {
      while (k < nd && rc[k] < COCO_RECALL_POINTS[ri]) k++;
      precision[t * R + ri] = k < nd ? pr[k] : 0;
    }
  }
  return { precision, recall };
}

/** Mean of the entries > -1, or -1 when none (pycocotools `summarize`). */
function meanValid(values: Iterable<number>): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (v > -1) {
      s += v;
      n++;
    }
  }
  return n ? s / n : -1;
}

/** Runs the COCO evaluation on `set`. */
export function cocoEvaluate(set: EvalSet, options: Partial<CocoOptions> = {}): CocoResult {
  const opts = { ...DEFAULT_COCO, ...options };
  const T = opts.iouThresholds.length;
  const R = COCO_RECALL_POINTS.length;
  const K = set.classes.length;
  const A = AREA_NAMES.length;
  const imageIds = [...new Set(set.imageIds)].sort((a, b) => a - b);
  const inSet = new Set(imageIds);
  const gtBy = groupByImageClass(set.groundTruth.filter((g) => inSet.has(g.imageId)));
  const dtBy = groupByImageClass(set.detections.filter((d) => inSet.has(d.imageId)));
  const regions = new Map<number, G[]>();
  for (const r of set.ignoreRegions ?? []) {
    if (!inSet.has(r.imageId)) continue;
    regions.set(r.imageId, [...(regions.get(r.imageId) ?? []), { xyxy: r.xyxy, area: boxArea(r.xyxy), ignore: true, crowd: true }]);
  }
  const precision = new Float64Array(T * R * K * A).fill(-1);
  const recall = new Float64Array(T * K * A).fill(-1);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const range = COCO_AREA_RANGES[AREA_NAMES[a]];
      const evals: ImgEval[] = [];
      for (const img of imageIds) {
        const gts: G[] = (gtBy.get(`${img}:${k}`) ?? []).map((g) => ({
          xyxy: g.xyxy,
          area: boxArea(g.xyxy),
          ignore: !!(g.ignore || g.crowd),
          crowd: !!g.crowd,
        }));
        gts.push(...(regions.get(img) ?? []));
        const dts: D[] = (dtBy.get(`${img}:${k}`) ?? []).map((d) => ({ xyxy: d.xyxy, area: boxArea(d.xyxy), score: d.score }));
        const e = evaluateImg(gts, dts, range, opts.iouThresholds, opts.maxDets);
        if (e) evals.push(e);
      }
      const acc = accumulate(evals, T);
      if (!acc) continue;
      for (let t = 0; t < T; t++) {
        recall[(t * K + k) * A + a] = acc.recall[t];
        for (let r = 0; r < R; r++) precision[((t * R + r) * K + k) * A + a] = acc.precision[t * R + r];
      }
    }
  }
  // Selectors over the (T, R, K, A) array.
  const pick = function* (ts: number[], ks: number[], a: number): Generator<number> {
    for (const t of ts) for (let r = 0; r < R; r++) for (const k of ks) yield precision[((t * R + r) * K + k) * A + a];
  };
  const allT = opts.iouThresholds.map((_, t) => t);
  const tAt = (v: number): number[] => {
    const i = opts.iouThresholds.findIndex((x) => Math.abs(x - v) < 1e-9);
    return i >= 0 ? [i] : [];
  };
  const allK = Array.from({ length: K }, (_, k) => k);
  const perClass = allK.map((k) => ({
    classId: k,
    ap: meanValid(pick(allT, [k], 0)),
    ap50: meanValid(pick(tAt(0.5), [k], 0)),
    ap75: meanValid(pick(tAt(0.75), [k], 0)),
    apSmall: meanValid(pick(allT, [k], 1)),
    apMedium: meanValid(pick(allT, [k], 2)),
    apLarge: meanValid(pick(allT, [k], 3)),
    recall: meanValid(allT.map((t) => recall[(t * K + k) * A])),
  }));
  return {
    map: meanValid(pick(allT, allK, 0)),
    map50: meanValid(pick(tAt(0.5), allK, 0)),
    map75: meanValid(pick(tAt(0.75), allK, 0)),
    mapSmall: meanValid(pick(allT, allK, 1)),
    mapMedium: meanValid(pick(allT, allK, 2)),
    mapLarge: meanValid(pick(allT, allK, 3)),
    mar: meanValid(allT.flatMap((t) => allK.map((k) => recall[(t * K + k) * A]))),
    perClass,
    precision,
    recall,
  };
}
