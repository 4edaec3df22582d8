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

let candScratch = new Int32Array(0);
let orderScratch = new Int32Array(0);

function scratch(a: number): void {
  if (candScratch.length < a) {
    candScratch = new Int32Array(a);
    orderScratch = new Int32Array(a);
  }
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
  scratch(a);
  const column = new Float32Array(a); // one class's scores, contiguous for the sort
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
  // float32 comparison, as torchvision's `score > score_thresh` on a float32 tensor.
  const threshold = Math.fround(opts.scoreThreshold);
  for (let cls = 0; cls < c; cls++) {
    if (cls === opts.backgroundIndex) continue;
    let nCand = 0;
    for (let i = 0; i < a; i++) {
      const s = scores[i * c + cls];
      column[i] = s;
      if (s > threshold) candScratch[nCand++] = i;
    }
    if (nCand === 0) continue;
    const n = sortIndicesByScoreDesc(column, candScratch, nCand, opts.scoreThreshold, orderScratch);
    const kept = nmsSorted(boxesXyxy, column, orderScratch, Math.min(n, opts.preNmsTopK), nmsOpts);
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
