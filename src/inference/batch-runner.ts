/**
 * One batch through a loaded model: feed, `session.run`, and per picture the adapter's
 * selection and the mapping of boxes back to the source frame. Detections leave packed in one
 * Float32Array (6 numbers each) so a worker can transfer them instead of cloning objects.
 */
import { inputToSourceBoxes } from '../ssd/letterbox.js';
import type { LoadedModel } from './load-model.js';

/** Numbers per packed detection: x1, y1, x2, y2, score, classId. */
export const PACKED_STRIDE = 6;

/** One picture of a batch. */
export interface BatchItem {
  /** rgb24 HWC at the model input size. */
  data: Uint8Array;
  sourceWidth: number;
  sourceHeight: number;
}

/** Detections of one picture, boxes normalised to its source frame. */
export interface PackedResult {
  /** `(count, 6)` x1,y1,x2,y2,score,classId. */
  packed: Float32Array;
  postprocessMs: number;
}

/** Results of a batch, in item order, with the time the run itself took. */
export interface BatchOutcome {
  results: PackedResult[];
  /** Time of `session.run` for the whole batch (feeding included), ms. */
  inferenceMs: number;
}

/**
 * Runs `items` (at most the model's fixed batch, if it has one) through the model.
 * Time is `performance.now()` of the calling thread.
 */
export async function runBatch(model: LoadedModel, items: readonly BatchItem[]): Promise<BatchOutcome> {
  const { bound, session } = model;
  const t0 = performance.now();
  const feeds = bound.feeds(items.map((it) => it.data));
  const outputs = await session.run(feeds);
  const t1 = performance.now();
  const batch = bound.fixedBatch ?? items.length;
  const results: PackedResult[] = [];
  let tPrev = t1;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const sel = bound.select(outputs, i, batch);
    inputToSourceBoxes(sel.boxes, sel.count, bound.spec.input, it.sourceWidth, it.sourceHeight);
    const packed = new Float32Array(sel.count * PACKED_STRIDE);
    for (let k = 0; k < sel.count; k++) {
      const o = k * PACKED_STRIDE;
      packed[o] = sel.boxes[k * 4];
      packed[o + 1] = sel.boxes[k * 4 + 1];
      packed[o + 2] = sel.boxes[k * 4 + 2];
      packed[o + 3] = sel.boxes[k * 4 + 3];
      packed[o + 4] = sel.scores[k];
      packed[o + 5] = sel.classes[k];
    }
    const tNow = performance.now();
    results.push({ packed, postprocessMs: tNow - tPrev });
    tPrev = tNow;
  }
  for (const v of Object.values(outputs)) v.dispose?.();
  return { results, inferenceMs: t1 - t0 };
}
