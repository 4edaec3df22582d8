/**
 * Validation during training: raw head outputs → detections exactly as inference makes them
 * (decode against the default boxes with the spec's coder, activate, class-wise NMS from
 * `src/ssd`), mapped back to source pixels, then scored with the project's mAP (`src/eval`).
 * Low score threshold, because mAP needs the whole precision-recall curve.
 */
import type { MapReport } from '../eval/map.js';
import { evaluateMap } from '../eval/map.js';
import type { EvalDetection, EvalGroundTruth, EvalIgnoreRegion } from '../eval/eval-types.js';
import { softmaxRows, sigmoidInPlace } from '../ssd/activation.js';
import { decodeBoxes } from '../ssd/box-coder.js';
import { inputToSourceBoxes } from '../ssd/letterbox.js';
import { selectDetections, type RawDetections } from '../ssd/postprocess.js';
import type { ModelSpec } from '../ssd/spec.js';

/** Post-processing used for mAP: every plausible detection, as COCO's evaluation expects. */
export const EVAL_POSTPROCESS = Object.freeze({ scoreThreshold: 0.01, iouThreshold: 0.45, preNmsTopK: 400, maxDetections: 100 });

/**
 * Detections of one picture from raw outputs.
 * @param loc `(A, 4)` encoded offsets in `spec.boxCoder.order`
 * @param logits `(A, C)` class logits
 * @param anchorsCxcywh `(A, 4)` default boxes, normalised
 * @returns boxes xyxy normalised to the model input
 */
export function detectFromRaw(loc: Float32Array, logits: Float32Array, anchorsCxcywh: Float32Array, spec: ModelSpec, post = EVAL_POSTPROCESS): RawDetections {
  const c = spec.labels.length;
  const a = anchorsCxcywh.length / 4;
  const boxes = decodeBoxes(loc, anchorsCxcywh, spec.boxCoder);
  const scores = Float32Array.from(logits);
  if (spec.scoreActivation === 'softmax') softmaxRows(scores, a, c, scores);
  else if (spec.scoreActivation === 'sigmoid') sigmoidInPlace(scores);
  return selectDetections(boxes, scores, { ...spec.postprocess, ...post, backgroundIndex: spec.backgroundIndex, numClasses: c });
}

/** One validation picture's ground truth (dataset class ids, source pixels). */
export interface ValImage {
  imageId: number;
  sourceWidth: number;
  sourceHeight: number;
  /** `(N, 4)` xyxy source pixels. */
  boxesXyxy: Float32Array;
  classIds: Int32Array;
  /** `(R, 4)` ignore boxes, xyxy source pixels. */
  ignoreXyxy: Float32Array;
}

/**
 * Converts detections of one picture (boxes normalised to the model input, class = score
 * column) to evaluation detections in source pixels with dataset class ids.
 */
export function toEvalDetections(det: RawDetections, img: ValImage, spec: ModelSpec): EvalDetection[] {
  const boxes = inputToSourceBoxes(det.boxes.slice(0, det.count * 4), det.count, spec.input, img.sourceWidth, img.sourceHeight);
  const bg = spec.backgroundIndex;
  const out: EvalDetection[] = [];
  for (let i = 0; i < det.count; i++) {
    const col = det.classes[i];
    out.push({
      imageId: img.imageId,
      // Dataset classes have no background entry: column k is class k − 1 behind a background 0.
      classId: bg === null ? col : col > bg ? col - 1 : col,
      score: det.scores[i],
      xyxy: [boxes[4 * i] * img.sourceWidth, boxes[4 * i + 1] * img.sourceHeight, boxes[4 * i + 2] * img.sourceWidth, boxes[4 * i + 3] * img.sourceHeight],
    });
  }
  return out;
}

/** mAP of detections against the validation ground truth. */
export function scoreValidation(classes: readonly string[], images: readonly ValImage[], detections: readonly EvalDetection[]): MapReport {
  const groundTruth: EvalGroundTruth[] = [];
  const ignoreRegions: EvalIgnoreRegion[] = [];
  for (const img of images) {
    for (let i = 0; i < img.classIds.length; i++) groundTruth.push({ imageId: img.imageId, classId: img.classIds[i], xyxy: Array.from(img.boxesXyxy.subarray(4 * i, 4 * i + 4)) });
    for (let i = 0; i < img.ignoreXyxy.length / 4; i++) ignoreRegions.push({ imageId: img.imageId, xyxy: Array.from(img.ignoreXyxy.subarray(4 * i, 4 * i + 4)) });
  }
  return evaluateMap({ classes, imageIds: images.map((i) => i.imageId), groundTruth, detections, ignoreRegions }).report;
}
