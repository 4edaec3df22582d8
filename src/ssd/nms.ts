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

// Uniform grid over kept boxes (see greedyNmsGrid): per cell a linked list of kept-box ids.
const GRID_MAX = 64; // cells per axis
const GRID_MIN_CANDIDATES = 64; // below this the plain kept-list scan is cheaper than the set-up
const cellHead = new Int32Array(GRID_MAX * GRID_MAX);
const HINT_FACTOR = 4; // hint cells per grid cell, per axis
const cellHint = new Int32Array(GRID_MAX * HINT_FACTOR * GRID_MAX * HINT_FACTOR);
let entryKept = new Int32Array(0);
let entryNext = new Int32Array(0);
let stampScratch = new Int32Array(0);
let sortedBoxScratch = new Float32Array(0); // (n, 4) candidates gathered in score order

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
  // Suppression then needs IoU > t ≥ 0 (DIoU: IoU − ρ²/c² > t ≥ 0), so only intersecting boxes
  // ever suppress each other — the premise of the grid and of the early exits below.
  if (!(opts.iouThreshold >= 0 && opts.iouThreshold <= 1)) {
    throw new RangeError(`nms: iouThreshold ${opts.iouThreshold} must be within [0, 1]`);
  }
  const maxOutput = Math.min(opts.maxOutput ?? Infinity, n);
  if (method === 'soft-linear' || method === 'soft-gaussian') {
    const threshold = opts.scoreThreshold ?? SOFT_DEFAULT_SCORE_THRESHOLD;
    return softNms(boxesXyxy, scores, order, n, opts.iouThreshold, method, opts.sigma ?? 0.5, threshold, maxOutput);
  }
  if (n >= GRID_MIN_CANDIDATES) {
    return greedyNmsGrid(boxesXyxy, scores, order, n, opts.iouThreshold, method === 'diou', maxOutput);
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
    for (let k = 0; k < nk && !suppressed; k++) {
      suppressed = overlaps(x1, y1, x2, y2, area, kb, ka, k, iouThreshold, diou);
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
  return keptResult(keptIdx, nk, scores);
}

/** Kept indices and their scores as exact-length arrays. */
function keptResult(keptIdx: Int32Array, nk: number, scores: Float32Array): NmsResult {
  const indices = keptIdx.slice(0, nk);
  const keptScores = new Float32Array(nk);
  for (let k = 0; k < nk; k++) keptScores[k] = scores[indices[k]];
  return { indices, scores: keptScores };
}

/**
 * Overlap test shared by both greedy loops: (D)IoU of box (x1..y2, area) with kept box k > t.
 * Small enough for V8 to inline.
 */
function overlaps(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  area: number,
  kb: Float32Array,
  ka: Float32Array,
  k: number,
  t: number,
  diou: boolean,
): boolean {
  const o = 4 * k;
  const kx1 = kb[o], ky1 = kb[o + 1], kx2 = kb[o + 2], ky2 = kb[o + 3];
  const iw = Math.min(x2, kx2) - Math.max(x1, kx1);
  if (iw <= 0) return false;
  const ih = Math.min(y2, ky2) - Math.max(y1, ky1);
  if (ih <= 0) return false;
  const inter = iw * ih;
  const union = area + ka[k] - inter;
  if (union <= 0) return false;
  let overlap = inter / union;
  if (diou) {
    const dx = (x1 + x2 - kx1 - kx2) * 0.5;
    const dy = (y1 + y2 - ky1 - ky2) * 0.5;
    const cw = Math.max(x2, kx2) - Math.min(x1, kx1);
    const ch = Math.max(y2, ky2) - Math.min(y1, ky1);
    overlap -= (dx * dx + dy * dy) / (cw * cw + ch * ch);
  }
  return overlap > t;
}

/**
 * The same greedy NMS with kept boxes indexed in a uniform grid. Two boxes can only suppress
 * each other when they intersect, and intersecting boxes share a grid cell, so a candidate checks
 * only the kept boxes registered in the cells it covers (each once, by stamp) instead of every
 * kept box. A finer hint grid (4× per axis) remembers, per cell, the kept box that last
 * suppressed a candidate centred there, checked first: SSD candidates come in tight clusters around
 * objects, so that hint is usually the suppressor and most candidates cost one overlap test. Cells are about one mean candidate box wide, at most {@link GRID_MAX} per axis,
 * spanning the candidates' extent; this is what brings 10,000 clustered SSD candidates under the
 * 1 ms budget. Kept set and order are identical to {@link greedyNms}.
 */
function greedyNmsGrid(
  boxes: Float32Array,
  scores: Float32Array,
  order: Int32Array,
  n: number,
  iouThreshold: number,
  diou: boolean,
  maxOutput: number,
): NmsResult {
  // Extent and mean size of the candidates → grid geometry. The same pass gathers the boxes in
  // score order so the main loop reads memory sequentially instead of at random.
  if (sortedBoxScratch.length < 4 * n) sortedBoxScratch = new Float32Array(Math.max(4 * n, sortedBoxScratch.length * 2));
  const sb = sortedBoxScratch;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, sumW = 0, sumH = 0;
  for (let r = 0; r < n; r++) {
    const o = 4 * order[r];
    const x1 = boxes[o], y1 = boxes[o + 1], x2 = boxes[o + 2], y2 = boxes[o + 3];
    sb[4 * r] = x1;
    sb[4 * r + 1] = y1;
    sb[4 * r + 2] = x2;
    sb[4 * r + 3] = y2;
    if (x1 < minX) minX = x1;
    if (y1 < minY) minY = y1;
    if (x2 > maxX) maxX = x2;
    if (y2 > maxY) maxY = y2;
    sumW += x2 - x1;
    sumH += y2 - y1;
  }
  const spanX = maxX - minX, spanY = maxY - minY;
  if (!(spanX > 0 && spanY > 0 && Number.isFinite(spanX) && Number.isFinite(spanY))) {
    return greedyNms(boxes, scores, order, n, iouThreshold, diou, maxOutput);
  }
  const gx = Math.max(1, Math.min(GRID_MAX, Math.ceil(spanX / Math.max(sumW / n, spanX / GRID_MAX))));
  const gy = Math.max(1, Math.min(GRID_MAX, Math.ceil(spanY / Math.max(sumH / n, spanY / GRID_MAX))));
  const invX = gx / spanX, invY = gy / spanY;
  const head = cellHead;
  head.fill(-1, 0, gx * gy);
  const hx = gx * HINT_FACTOR, hy = gy * HINT_FACTOR;
  const hintInvX = hx / spanX, hintInvY = hy / spanY;
  const hint = cellHint;
  hint.fill(-1, 0, hx * hy);
  keptBuffers(maxOutput);
  if (stampScratch.length < maxOutput) stampScratch = new Int32Array(Math.max(maxOutput, stampScratch.length * 2));
  const stamp = stampScratch;
  stamp.fill(-1, 0, maxOutput);
  const kb = keptScratch;
  const ka = keptAreaScratch;
  const keptIdx = new Int32Array(maxOutput);
  let nk = 0;
  let ne = 0; // grid entries used
  for (let r = 0; r < n && nk < maxOutput; r++) {
    const x1 = sb[4 * r], y1 = sb[4 * r + 1], x2 = sb[4 * r + 2], y2 = sb[4 * r + 3];
    const area = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
    // Cell range covered by the box; `| 0` truncates, all values are ≥ 0 here.
    const cx0 = Math.min(gx - 1, ((x1 - minX) * invX) | 0);
    const cx1 = Math.min(gx - 1, ((x2 - minX) * invX) | 0);
    const cy0 = Math.min(gy - 1, ((y1 - minY) * invY) | 0);
    const cy1 = Math.min(gy - 1, ((y2 - minY) * invY) | 0);
    const centreCell =
      Math.min(hy - 1, ((0.5 * (y1 + y2) - minY) * hintInvY) | 0) * hx +
      Math.min(hx - 1, ((0.5 * (x1 + x2) - minX) * hintInvX) | 0);
    let suppressed = false;
    const h = hint[centreCell];
    if (h >= 0) {
      stamp[h] = r;
      suppressed = overlaps(x1, y1, x2, y2, area, kb, ka, h, iouThreshold, diou);
    }
    for (let cy = cy0; cy <= cy1 && !suppressed; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        let e = head[cy * gx + cx];
        while (e >= 0) {
          const k = entryKept[e];
          e = entryNext[e];
          if (stamp[k] === r) continue;
          stamp[k] = r;
          if (overlaps(x1, y1, x2, y2, area, kb, ka, k, iouThreshold, diou)) {
            suppressed = true;
            hint[centreCell] = k;
            break;
          }
        }
        if (suppressed) break;
      }
    }
    if (suppressed) continue;
    const o = 4 * nk;
    kb[o] = x1;
    kb[o + 1] = y1;
    kb[o + 2] = x2;
    kb[o + 3] = y2;
    ka[nk] = area;
    // Register the new kept box in every cell it covers.
    const need = ne + (cx1 - cx0 + 1) * (cy1 - cy0 + 1);
    if (entryKept.length < need) {
      const grown = Math.max(need, entryKept.length * 2, 1024);
      const k2 = new Int32Array(grown);
      k2.set(entryKept.subarray(0, ne));
      const n2 = new Int32Array(grown);
      n2.set(entryNext.subarray(0, ne));
      entryKept = k2;
      entryNext = n2;
    }
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const cell = cy * gx + cx;
        entryKept[ne] = nk;
        entryNext[ne] = head[cell];
        head[cell] = ne++;
      }
    }
    hint[centreCell] = nk; // a new kept box is the likely suppressor of what follows nearby
    keptIdx[nk++] = order[r];
  }
  return keptResult(keptIdx, nk, scores);
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
