/**
 * Detections from graphs that already ran their own NMS (TF OD API, torchvision's whole-model
 * export, the ONNX Model Zoo SSD ResNet34): keep the slots above the score threshold,
 * score-descending (ties by slot), at most `maxDetections`. Each layout says how to read a slot's
 * box and class.
 */
import type { RawDetections } from '../../ssd/postprocess.js';

/** How one layout reads its slots. */
export interface ScoredSlots {
  /** Score of every slot (only the first `valid` count). */
  scores: Float32Array;
  /** Slots in use (TF's `num_detections`); the rest is padding. */
  valid: number;
  /** Class id of slot `i`. */
  classOf(i: number): number;
  /** Writes slot `i`'s box as xyxy normalised to the model input into `dst[at..at+4)`. */
  writeBox(i: number, dst: Float32Array, at: number): void;
}

/** Selected detections of one image. */
export function pickScored(slots: ScoredSlots, scoreThreshold: number, maxDetections: number): RawDetections {
  const { scores } = slots;
  const keep: number[] = [];
  for (let i = 0; i < slots.valid; i++) if (scores[i] > scoreThreshold) keep.push(i);
  keep.sort((a, b) => scores[b] - scores[a] || a - b);
  const count = Math.min(keep.length, maxDetections);
  const out: RawDetections = {
    count,
    boxes: new Float32Array(count * 4),
    scores: new Float32Array(count),
    classes: new Int32Array(count),
  };
  for (let j = 0; j < count; j++) {
    const i = keep[j];
    slots.writeBox(i, out.boxes, j * 4);
    out.scores[j] = scores[i];
    out.classes[j] = slots.classOf(i);
  }
  return out;
}
