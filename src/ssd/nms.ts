/**
 * Non-maximum suppression over typed arrays: hard (greedy) NMS, Soft-NMS with linear or Gaussian
 * decay (Bodla et al. 2017, "Improving Object Detection With One Line of Code", Algorithm 1 and
 * eq. 2–3), and DIoU-NMS (Zheng et al. 2020, "Distance-IoU Loss", §4 eq. 11 with β = 1).
 *
 * Hot-loop rules: no object per candidate, kept boxes copied into one contiguous scratch array
 * so the inner loop walks memory linearly, and scratch buffers reused across calls (a worker
 * runs one NMS at a time; nothing here calls back out, so reuse is safe).
 */
import { sortIndicesByScoreDesc } from './score-sort.js';

/** NMS variant and thresholds. */
export interface NmsOptions {
  /** Hard/DIoU: suppress when (D)IoU > this. Soft-linear: decay only above it. */
  iouThreshold: number;
  /** Default `'hard'`. */
  method?: 'hard' | 'soft-linear' | 'soft-gaussian' | 'diou';
  /** Gaussian Soft-NMS sigma (decay `exp(-iou² / sigma)`); default 0.5 as in the paper. */
  sigma?: number;
  /**
   * Candidates with score ≤ this are dropped before NMS, and Soft-NMS drops a box once its
   * decayed score falls to or below it. Default: none for hard/DIoU, 0.001 for Soft-NMS (the
   * paper's reference implementation), since decayed scores never reach 0.
   */
  scoreThreshold?: number;
  /** Stop once this many boxes are kept. Default unlimited. */
  maxOutput?: number;
}

/** Kept boxes: indices into the input, score-descending, with their (decayed) scores. */
export interface NmsResult {
  indices: Int32Array;
  scores: Float32Array;
}

const SOFT_DEFAULT_SCORE_THRESHOLD = 0.001;

let orderScratch = new Int32Array(0);
let keptScratch = new Float32Array(0); // (K, 4) xyxy of kept boxes
let keptAreaScratch = new Float32Array(0); // (K,)

function orderBuffer(n: number): Int32Array {
  if (orderScratch.length < n) orderScratch = new Int32Array(Math.max(n, orderScratch.length * 2));
  return orderScratch;
}

function keptBuffers(k: number): void {
  if (keptAreaScratch.length < k) {
    const size = Math.max(k, keptAreaScratch.length * 2);
    keptScratch = new Float32Array(size * 4);
    keptAreaScratch = new Float32Array(size);
  }
}

/**
 * NMS over the first `count` boxes.
 * @param boxesXyxy `(≥count, 4)` x1,y1,x2,y2 (any unit)
 * @param scores `(≥count,)`
 * @returns kept indices in `[0, count)`, score-descending; Soft-NMS returns decayed scores
 */
export function nms(
  boxesXyxy: Float32Array,
  scores: Float32Array,
  count: number,
  opts: NmsOptions,
): NmsResult {
  if (boxesXyxy.length < count * 4 || scores.length < count) {
    throw new RangeError(
      `nms: count ${count} exceeds boxes (${boxesXyxy.length / 4}) or scores (${scores.length})`,
    );
  }
  const method = opts.method ?? 'hard';
  const soft = method === 'soft-linear' || method === 'soft-gaussian';
  const threshold = opts.scoreThreshold ?? (soft ? SOFT_DEFAULT_SCORE_THRESHOLD : -Infinity);
  const order = orderBuffer(count);
  const n = sortIndicesByScoreDesc(scores, null, count, threshold, order);
  return nmsSorted(boxesXyxy, scores, order, n, opts);
}

/**
 * NMS over candidates already filtered and sorted by score descending (`order[0..n)` index
 * `boxesXyxy`/`scores`). Lets class-wise selection run NMS on a subset without copying boxes.
 * `order` is not modified.
 */
export function nmsSorted(
  boxesXyxy: Float32Array,
  scores: Float32Array,
  order: Int32Array,
  n: number,
  opts: NmsOptions,
): NmsResult {
  const method = opts.method ?? 'hard';
  const maxOutput = Math.min(opts.maxOutput ?? Infinity, n);
  if (method === 'soft-linear' || method === 'soft-gaussian') {
    const threshold = opts.scoreThreshold ?? SOFT_DEFAULT_SCORE_THRESHOLD;
    return softNms(boxesXyxy, scores, order, n, opts.iouThreshold, method, opts.sigma ?? 0.5, threshold, maxOutput);
  }
  return greedyNms(boxesXyxy, scores, order, n, opts.iouThreshold, method === 'diou', maxOutput);
}

/**
 * Greedy NMS: a candidate is kept iff no already-kept (higher-scoring) box overlaps it by more
 * than the threshold — the same result as torchvision's suppress-forward loop, but checking only
 * against the few kept boxes, which exits early for the clustered candidates SSD produces.
 * DIoU replaces IoU by IoU − ρ²/c² (centre distance over enclosing-box diagonal, squared).
 */
function greedyNms(
  boxes: Float32Array,
  scores: Float32Array,
  order: Int32Array,
  n: number,
  iouThreshold: number,
  diou: boolean,
  maxOutput: number,
): NmsResult {
  keptBuffers(maxOutput);
  const kb = keptScratch;
  const ka = keptAreaScratch;
  const keptIdx = new Int32Array(maxOutput);
  let nk = 0;
  for (let r = 0; r < n && nk < maxOutput; r++) {
    const i = order[r];
    const x1 = boxes[4 * i], y1 = boxes[4 * i + 1], x2 = boxes[4 * i + 2], y2 = boxes[4 * i + 3];
    const area = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
    let suppressed = false;
    for (let k = 0; k < nk; k++) {
      const o = 4 * k;
      const kx1 = kb[o], ky1 = kb[o + 1], kx2 = kb[o + 2], ky2 = kb[o + 3];
      const iw = Math.min(x2, kx2) - Math.max(x1, kx1);
      if (iw <= 0 && !diou) continue;
      const ih = Math.min(y2, ky2) - Math.max(y1, ky1);
      const inter = iw > 0 && ih > 0 ? iw * ih : 0;
      const union = area + ka[k] - inter;
      let overlap = union > 0 ? inter / union : 0;
      if (diou) {
        const dx = (x1 + x2 - kx1 - kx2) * 0.5;
        const dy = (y1 + y2 - ky1 - ky2) * 0.5;
        const cw = Math.max(x2, kx2) - Math.min(x1, kx1);
        const ch = Math.max(y2, ky2) - Math.min(y1, ky1);
        const c2 = cw * cw + ch * ch;
        if (c2 > 0) overlap -= (dx * dx + dy * dy) / c2;
      }
      if (overlap > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    const o = 4 * nk;
    kb[o] = x1;
    kb[o + 1] = y1;
    kb[o + 2] = x2;
    kb[o + 3] = y2;
    ka[nk] = area;
    keptIdx[nk++] = i;
  }
  const indices = keptIdx.slice(0, nk);
  const keptScores = new Float32Array(nk);
  for (let k = 0; k < nk; k++) keptScores[k] = scores[indices[k]];
  return { indices, scores: keptScores };
}

/**
 * Soft-NMS (Bodla et al. 2017, Algorithm 1): repeatedly take the highest current score, then
 * decay every remaining score by f(IoU) — linear: `1 − IoU` where IoU > Nt, else 1; Gaussian:
 * `exp(−IoU²/σ)` everywhere. O(n²), meant for the few hundred candidates left after pre-NMS top-k.
 */
function softNms(
  boxes: Float32Array,
  scores: Float32Array,
  order: Int32Array,
  n: number,
  iouThreshold: number,
  method: 'soft-linear' | 'soft-gaussian',
  sigma: number,
  scoreThreshold: number,
  maxOutput: number,
): NmsResult {
  const cur = new Float64Array(n); // current (decayed) score per sorted candidate
  const alive = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    cur[r] = scores[order[r]];
    alive[r] = 1;
  }
  const keptIdx = new Int32Array(maxOutput);
  const keptScores = new Float32Array(maxOutput);
  let nk = 0;
  const linear = method === 'soft-linear';
  while (nk < maxOutput) {
    // Strict > keeps the earlier (originally higher-scoring) candidate on ties.
    let best = -1;
    let bestScore = -Infinity;
    for (let r = 0; r < n; r++) {
      if (alive[r] && cur[r] > bestScore) {
        bestScore = cur[r];
        best = r;
      }
    }
    if (best < 0 || !(bestScore > scoreThreshold)) break;
    alive[best] = 0;
    const m = order[best];
    keptIdx[nk] = m;
    keptScores[nk++] = bestScore;
    const mx1 = boxes[4 * m], my1 = boxes[4 * m + 1], mx2 = boxes[4 * m + 2], my2 = boxes[4 * m + 3];
    const mArea = Math.max(0, mx2 - mx1) * Math.max(0, my2 - my1);
    for (let r = 0; r < n; r++) {
      if (!alive[r]) continue;
      const i = order[r];
      const iw = Math.min(mx2, boxes[4 * i + 2]) - Math.max(mx1, boxes[4 * i]);
      const ih = Math.min(my2, boxes[4 * i + 3]) - Math.max(my1, boxes[4 * i + 1]);
      if (iw <= 0 || ih <= 0) continue; // IoU 0: both decays leave the score unchanged
      const inter = iw * ih;
      const area =
        Math.max(0, boxes[4 * i + 2] - boxes[4 * i]) * Math.max(0, boxes[4 * i + 3] - boxes[4 * i + 1]);
      const union = mArea + area - inter;
      const iou = union > 0 ? inter / union : 0;
      if (linear) {
        if (iou > iouThreshold) cur[r] *= 1 - iou;
      } else {
        cur[r] *= Math.exp(-(iou * iou) / sigma);
      }
      if (!(cur[r] > scoreThreshold)) alive[r] = 0;
    }
  }
  return { indices: keptIdx.slice(0, nk), scores: keptScores.slice(0, nk) };
}
