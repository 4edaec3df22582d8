/**
 * Class-wise detection selection, as in the SSD paper's inference step (§2.1 / §3 "Inference
 * time") and torchvision's `SSD.postprocess_detections`: for each foreground class take the
 * anchors scoring above the threshold, keep the top-k of them, run NMS within the class, then
 * merge all classes and keep the best `maxDetections` by score.
 */
import { nmsSorted, type NmsOptions } from './nms.js';
import { sortIndicesByScoreDesc } from './score-sort.js';
import type { PostprocessSpec } from './spec.js';

/** Selected detections: the first `count` rows of each array are valid, score-descending. */
export interface RawDetections {
  count: number;
  /** `(K,4)` x1,y1,x2,y2, in the unit of the boxes passed in (normally normalised input). */
  boxes: Float32Array;
  scores: Float32Array;
  /** Score column of each detection (the class id, background included in the numbering). */
  classes: Int32Array;
}

/** Post-processing settings plus the score layout. */
export interface SelectOptions extends PostprocessSpec {
  /** Score column to skip, or null when every column is a real class. */
  backgroundIndex: number | null;
  /** Number of score columns C. */
  numClasses: number;
}

let flatScratch: Int32Array = new Int32Array(0); // flat indices a*C + c of every score above threshold
let byClassScratch: Int32Array = new Int32Array(0); // the same, grouped by class
let orderScratch: Int32Array = new Int32Array(0);

function grow(a: Int32Array, n: number): Int32Array {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, a.length * 2, 1024));
  b.set(a);
  return b;
}

/**
 * Class-wise NMS over decoded boxes.
 * @param boxesXyxy `(A,4)` x1,y1,x2,y2, one per anchor
 * @param scores `(A,C)` activated class scores, row-major
 */
export function selectDetections(
  boxesXyxy: Float32Array,
  scores: Float32Array,
  opts: SelectOptions,
): RawDetections {
  const c = opts.numClasses;
  const a = boxesXyxy.length >> 2;
  if (scores.length !== a * c) {
    throw new RangeError(
      `selectDetections: scores has ${scores.length} values, expected anchors ${a} x classes ${c}`,
    );
  }
  // float32 comparison, as torchvision's `score > score_thresh` on a float32 tensor.
  const threshold = Math.fround(opts.scoreThreshold);
  const bg = opts.backgroundIndex;

  // One sequential pass over the (A,C) matrix collects every candidate, instead of C strided
  // column scans (3234 x 91 for SSDlite): almost all scores are below the threshold.
  let nFlat = 0;
  const perClassCount = new Int32Array(c + 1);
  for (let f = 0; f < a * c; f++) {
    if (scores[f] > threshold) {
      const cls = f % c;
      if (cls === bg) continue;
      flatScratch = grow(flatScratch, nFlat + 1);
      flatScratch[nFlat++] = f;
      perClassCount[cls + 1]++;
    }
  }
  // Counting sort by class (stable): segment of class k is [start[k], start[k+1]).
  const start = perClassCount;
  for (let k = 0; k < c; k++) start[k + 1] += start[k];
  byClassScratch = grow(byClassScratch, nFlat);
  orderScratch = grow(orderScratch, nFlat);
  const fill = start.slice(0, c);
  for (let r = 0; r < nFlat; r++) byClassScratch[fill[flatScratch[r] % c]++] = flatScratch[r];

  const column = new Float32Array(a); // this class's scores, by anchor (only candidates are set)
  const nmsOpts: NmsOptions = {
    iouThreshold: opts.iouThreshold,
    method: opts.nms,
    sigma: opts.softSigma,
    // A box Soft-NMS decays below the selection threshold would have failed selection: drop it.
    scoreThreshold: opts.scoreThreshold,
    maxOutput: opts.maxDetections,
  };
  const perClass: { cls: number; indices: Int32Array; scores: Float32Array }[] = [];
  let total = 0;
  for (let cls = 0; cls < c; cls++) {
    const from = start[cls];
    const len = start[cls + 1] - from;
    if (len === 0) continue;
    // Sort this class's flat indices by score, then turn them into anchor indices.
    const order = orderScratch;
    const n = sortIndicesByScoreDesc(scores, byClassScratch.subarray(from, from + len), len, opts.scoreThreshold, order);
    const k = Math.min(n, opts.preNmsTopK);
    for (let r = 0; r < k; r++) {
      const f = order[r];
      const anchor = (f - cls) / c;
      column[anchor] = scores[f];
      order[r] = anchor;
    }
    const kept = nmsSorted(boxesXyxy, column, order, k, nmsOpts);
    if (kept.indices.length === 0) continue;
    perClass.push({ cls, indices: kept.indices, scores: kept.scores });
    total += kept.indices.length;
  }
  return mergeTopK(boxesXyxy, perClass, total, opts.maxDetections);
}

/** Merges per-class survivors and keeps the `maxDetections` highest scores. */
function mergeTopK(
  boxesXyxy: Float32Array,
  perClass: { cls: number; indices: Int32Array; scores: Float32Array }[],
  total: number,
  maxDetections: number,
): RawDetections {
  const allScores = new Float32Array(total);
  const allAnchor = new Int32Array(total);
  const allClass = new Int32Array(total);
  let p = 0;
  for (const pc of perClass) {
    allScores.set(pc.scores, p);
    allAnchor.set(pc.indices, p);
    allClass.fill(pc.cls, p, p + pc.indices.length);
    p += pc.indices.length;
  }
  const order = new Int32Array(total);
  const n = sortIndicesByScoreDesc(allScores, null, total, -Infinity, order);
  const count = Math.min(n, maxDetections);
  const boxes = new Float32Array(count * 4);
  const scores = new Float32Array(count);
  const classes = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const j = order[k];
    const anchor = allAnchor[j];
    boxes.set(boxesXyxy.subarray(anchor * 4, anchor * 4 + 4), k * 4);
    scores[k] = allScores[j];
    classes[k] = allClass[j];
  }
  return { count, boxes, scores, classes };
}
