/**
 * MOT metrics over MOTChallenge rows: CLEAR MOT (Bernardin & Stiefelhagen 2008) and the identity
 * metrics IDF1/IDP/IDR (Ristani et al. 2016), following TrackEval, the official MOTChallenge
 * kit, in the details that change numbers:
 *
 * - Preprocessing: hypotheses matched (IoU ≥ 0.5) to ground truth of a distractor class are
 *   removed; then only ground truth with flag ≠ 0 and class pedestrian (or no class: a missing
 *   or negative column 8, as in MOT15) is kept.
 * - CLEAR matching per frame maximises total IoU over pairs with IoU ≥ threshold, with a large
 *   bonus for pairs also matched in the previous frame, so a tracker that keeps following its
 *   object through a crossing is not charged a switch because another box overlaps more.
 * - An ID switch is a match whose hypothesis differs from the one last matched to that ground
 *   truth (at any earlier time). A fragmentation is each time a ground-truth trajectory is
 *   matched again after not being matched in the previous frame, i.e. segments − 1.
 * - Mostly tracked: matched in > 80 % of its frames; mostly lost: < 20 %.
 * - MOTP is the mean IoU of the matches (higher is better), as MOTChallenge reports it.
 * - IDF1: the one-to-one assignment of ground-truth ids to hypothesis ids that maximises the
 *   number of frames they overlap (IoU ≥ threshold) — equivalent to minimising IDFP + IDFN.
 */
import { solveAssignment } from '../tracking/linear-assignment.js';
import { iouXyxy } from '../tracking/box-xyah.js';
import { groupByFrame, motDistractorClasses, MotClass, type MotRow } from './mot.js';

/** Evaluation options. */
export interface MotEvalOptions {
  /** Minimum IoU of a match. */
  iouThreshold: number; // IoU
  /** Apply MOTChallenge's ground-truth filter (flag, classes, distractors). */
  preprocess: boolean;
}

/** Defaults: MOTChallenge. */
export const motEvalDefaults: Readonly<MotEvalOptions> = Object.freeze({ iouThreshold: 0.5, preprocess: true });

/** Result of {@link evaluateMot}. Ratios are in [0, 1] (MOTA can be negative); NaN when undefined. */
export interface MotMetrics {
  mota: number;
  motp: number;
  idf1: number;
  idp: number;
  idr: number;
  recall: number;
  precision: number;
  /** Matched boxes (CLEAR true positives). */
  tp: number;
  fp: number;
  fn: number;
  idSwitches: number;
  fragmentations: number;
  mostlyTracked: number;
  partiallyTracked: number;
  mostlyLost: number;
  idtp: number;
  idfp: number;
  idfn: number;
  /** Ground-truth and hypothesis boxes and ids after preprocessing, and frames evaluated. */
  numGt: number;
  numHyp: number;
  numGtIds: number;
  numHypIds: number;
  numFrames: number;
}

/** (N, 4) packed xyxy of rows' xywh boxes. */
function packXyxy(rows: MotRow[]): Float64Array {
  const out = new Float64Array(rows.length * 4);
  rows.forEach((r, i) => out.set([r.box[0], r.box[1], r.box[0] + r.box[2], r.box[1] + r.box[3]], i * 4));
  return out;
}

/** (N, M) IoU of gt rows × hyp rows. */
function iouRows(gt: MotRow[], hyp: MotRow[]): Float64Array {
  const a = packXyxy(gt);
  const b = packXyxy(hyp);
  const out = new Float64Array(gt.length * hyp.length);
  for (let i = 0; i < gt.length; i++) for (let j = 0; j < hyp.length; j++) out[i * hyp.length + j] = iouXyxy(a, b, i * 4, j * 4);
  return out;
}

/** Matches maximising the summed similarity over pairs with `iou ≥ thr` (similarity = iou + bonus). */
function maxSimilarityMatches(
  iou: Float64Array,
  n: number,
  m: number,
  thr: number,
  bonus?: (i: number, j: number) => number,
): Array<[number, number]> {
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = iou[i * m + j];
      // The epsilon keeps a pair at exactly the threshold, as TrackEval does.
      cost[i * m + j] = v >= thr - 1e-12 ? -(v + (bonus ? bonus(i, j) : 0)) : Infinity;
    }
  }
  return solveAssignment(cost, n, m, 0).matches;
}

/** Drops what MOTChallenge ignores in one frame: see the file comment. */
function preprocessFrame(gt: MotRow[], hyp: MotRow[], thr: number): { gt: MotRow[]; hyp: MotRow[] } {
  if (gt.length > 0 && hyp.length > 0) {
    const iou = iouRows(gt, hyp);
    const drop = new Set<number>();
    for (const [i, j] of maxSimilarityMatches(iou, gt.length, hyp.length, thr)) {
      if (gt[i].classId !== undefined && motDistractorClasses.has(gt[i].classId)) drop.add(j);
    }
    hyp = hyp.filter((_, j) => !drop.has(j));
  }
  // MOT15-style files have no class (column 8 is −1, a world coordinate): all pedestrians.
  gt = gt.filter((r) => r.conf !== 0 && (r.classId === undefined || r.classId < 0 || r.classId === MotClass.pedestrian));
  return { gt, hyp };
}

/** Evaluates tracker output `hyp` against ground truth `gt` (both MOTChallenge rows). */
export function evaluateMot(gt: MotRow[], hyp: MotRow[], options: Partial<MotEvalOptions> = {}): MotMetrics {
  const opt = { ...motEvalDefaults, ...options };
  const thr = opt.iouThreshold;
  const { frames, byFrame } = groupByFrame(gt, hyp);
  const first = frames.length ? frames[0] : 0;
  const last = frames.length ? frames[frames.length - 1] : -1;

  let tp = 0;
  let fp = 0;
  let fn = 0;
  let idSwitches = 0;
  let iouSum = 0;
  const lastHypOf = new Map<number, number>(); // gt id → hyp id last matched, ever
  let prevMatch = new Map<number, number>(); // gt id → hyp id matched in the previous frame
  const gtFrames = new Map<number, number>();
  const gtMatched = new Map<number, number>();
  const gtSegments = new Map<number, number>();
  const hypFrames = new Map<number, number>();
  const pairCount = new Map<number, Map<number, number>>(); // gt id → hyp id → frames overlapping
  let numFrames = 0;

  for (let f = first; f <= last; f++) {
    numFrames++;
    let g = byFrame[0].get(f) ?? [];
    let h = byFrame[1].get(f) ?? [];
    if (opt.preprocess) ({ gt: g, hyp: h } = preprocessFrame(g, h, thr));
    const iou = iouRows(g, h);
    for (const r of g) gtFrames.set(r.id, (gtFrames.get(r.id) ?? 0) + 1);
    for (const r of h) hypFrames.set(r.id, (hypFrames.get(r.id) ?? 0) + 1);

    // Identity counts: every overlapping pair, independent of the CLEAR matching.
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < h.length; j++) {
        if (iou[i * h.length + j] < thr - 1e-12) continue;
        const row = pairCount.get(g[i].id) ?? pairCount.set(g[i].id, new Map()).get(g[i].id)!;
        row.set(h[j].id, (row.get(h[j].id) ?? 0) + 1);
      }
    }

    const matches = maxSimilarityMatches(iou, g.length, h.length, thr, (i, j) =>
      prevMatch.get(g[i].id) === h[j].id ? 1000 : 0,
    );
    const nowMatch = new Map<number, number>();
    for (const [i, j] of matches) {
      const gid = g[i].id;
      const hid = h[j].id;
      tp++;
      iouSum += iou[i * h.length + j];
      const before = lastHypOf.get(gid);
      if (before !== undefined && before !== hid) idSwitches++;
      lastHypOf.set(gid, hid);
      if (!prevMatch.has(gid)) gtSegments.set(gid, (gtSegments.get(gid) ?? 0) + 1);
      gtMatched.set(gid, (gtMatched.get(gid) ?? 0) + 1);
      nowMatch.set(gid, hid);
    }
    fn += g.length - matches.length;
    fp += h.length - matches.length;
    prevMatch = nowMatch;
  }

  let fragmentations = 0;
  for (const s of gtSegments.values()) fragmentations += s - 1;
  let mostlyTracked = 0;
  let partiallyTracked = 0;
  let mostlyLost = 0;
  for (const [gid, n] of gtFrames) {
    const ratio = (gtMatched.get(gid) ?? 0) / n;
    if (ratio > 0.8) mostlyTracked++;
    else if (ratio >= 0.2) partiallyTracked++;
    else mostlyLost++;
  }

  const numGt = sum(gtFrames.values());
  const numHyp = sum(hypFrames.values());
  const idtp = identityTruePositives(pairCount, [...gtFrames.keys()], [...hypFrames.keys()]);
  const idfn = numGt - idtp;
  const idfp = numHyp - idtp;
  return {
    mota: 1 - (fn + fp + idSwitches) / numGt,
    motp: iouSum / tp,
    idf1: (2 * idtp) / (2 * idtp + idfp + idfn),
    idp: idtp / (idtp + idfp),
    idr: idtp / (idtp + idfn),
    recall: tp / numGt,
    precision: tp / (tp + fp),
    tp,
    fp,
    fn,
    idSwitches,
    fragmentations,
    mostlyTracked,
    partiallyTracked,
    mostlyLost,
    idtp,
    idfp,
    idfn,
    numGt,
    numHyp,
    numGtIds: gtFrames.size,
    numHypIds: hypFrames.size,
    numFrames,
  };
}

function sum(xs: Iterable<number>): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Max Σ overlap frames over one-to-one gt-id ↔ hyp-id pairs. */
function identityTruePositives(pairCount: Map<number, Map<number, number>>, gtIds: number[], hypIds: number[]): number {
  if (gtIds.length === 0 || hypIds.length === 0) return 0;
  const col = new Map(hypIds.map((id, j) => [id, j]));
  const m = hypIds.length;
  const cost = new Float64Array(gtIds.length * m).fill(Infinity);
  gtIds.forEach((gid, i) => {
    for (const [hid, n] of pairCount.get(gid) ?? []) cost[i * m + col.get(hid)!] = -n;
  });
  let idtp = 0;
  for (const [i, j] of solveAssignment(cost, gtIds.length, m, 0).matches) idtp -= cost[i * m + j];
  return idtp;
}
