/**
 * torchvision SSD / SSDlite exported as raw heads: float `(N, 3, H, W)` (or NHWC) picture in,
 * `bbox_regression` `(N, A, 4)` and `cls_logits` `(N, A, C)` out. torchvision keeps anchors and
 * preprocessing outside the network, so they come from the sidecar `<model>.ssd.json` (anchors of
 * type `torchvision`, mean/std); the worker normalises the rgb24 picture to float, and decoding,
 * softmax and class-wise NMS run here with torchvision's conventions as defaults: background
 * column 0, `BoxCoder(weights=(10, 10, 5, 5))` = variances 0.1/0.1/0.2/0.2 with the log-size
 * clamp `log(1000/16)`, decoded boxes clipped to the picture before NMS
 * (`SSD.postprocess_detections`).
 */
import { ErrorCodes, SsdsError } from '../../errors.js';
import { sigmoidInPlace } from '../../ssd/activation.js';
import { decodeBoxes } from '../../ssd/box-coder.js';
import { generateDefaultBoxes } from '../../ssd/default-boxes.js';
import { clipBoxesXyxy } from '../../ssd/iou.js';
import { selectDetections } from '../../ssd/postprocess.js';
import { COCO91_LABELS } from '../coco-labels.js';
import { findTensor, fixedDim, type ModelIo } from '../model-io.js';
import { mergeSpecLayers } from '../model-spec.js';
import { softmaxCandidateRows, type CandidateRows } from '../threshold-softmax.js';
import type { BindContext, BoundModel, ModelAdapter } from './adapter.js';
import {
  floatPictureFeeder,
  floatData,
  graphFixedBatch,
  imageSlice,
  modelName,
  outputTensor,
  pictureAxes,
  pictureInput,
  resolveAdapterSpec,
} from './adapter-util.js';

/** torchvision's `BoxCoder.bbox_xform_clip`. */
const TORCHVISION_MAX_LOG_SIZE = Math.log(1000 / 16);

function layout(io: ModelIo) {
  const input = pictureInput(io);
  const axes = input && pictureAxes(input);
  const reg = findTensor(io.outputs, 'bbox_regression');
  const cls = findTensor(io.outputs, 'cls_logits');
  const ok =
    input !== undefined &&
    input.type === 'float32' &&
    axes !== undefined &&
    reg?.shape.length === 3 &&
    cls?.shape.length === 3;
  return ok ? { input, axes, reg, cls } : undefined;
}

/** Labels when the sidecar gives none: COCO for 91 classes, else `background`, `class1` ... */
function defaultLabels(numClasses: number | undefined): string[] | undefined {
  if (numClasses === undefined) return undefined;
  if (numClasses === COCO91_LABELS.length) return [...COCO91_LABELS];
  return Array.from({ length: numClasses }, (_, i) => (i === 0 ? 'background' : `class${i}`));
}

/** The torchvision raw-heads layout. */
export const torchvisionRawAdapter: ModelAdapter = {
  name: 'torchvision-raw',
  expects:
    'torchvision-raw: input float32 [N,3,H,W]; outputs "bbox_regression" [N,A,4] and "cls_logits" [N,A,C]; anchors and mean/std in a sidecar <model>.ssd.json',
  matches: (io) => layout(io) !== undefined,
  bind(ctx: BindContext): BoundModel {
    const l = layout(ctx.io);
    if (!l) throw new SsdsError(ErrorCodes.MODEL_LAYOUT, `${ctx.sources.modelPath}: not a torchvision raw-heads layout`);
    const { sources } = ctx;
    const merged0 = mergeSpecLayers(sources.embedded, sources.sidecar);
    if (merged0.anchors === undefined) {
      throw new SsdsError(
        ErrorCodes.SPEC_INVALID,
        `${sources.modelPath}: torchvision raw heads need the anchor settings and preprocessing in ${sources.sidecarPath} (spec key "anchors", type "torchvision")`,
      );
    }
    const numClasses = fixedDim(l.cls, 2);
    const defaults = {
      name: modelName(sources.modelPath),
      input: {
        width: fixedDim(l.input, l.axes.width),
        height: fixedDim(l.input, l.axes.height),
        format: l.axes.layout === 'nchw' ? 'float32-nchw' : 'float32-nhwc',
      },
      labels: defaultLabels(numClasses),
      backgroundIndex: 0,
      scoreActivation: 'softmax',
      boxCoder: { order: 'xywh', variances: [0.1, 0.1, 0.2, 0.2], maxLogSize: TORCHVISION_MAX_LOG_SIZE },
    };
    const spec = resolveAdapterSpec(ctx, defaults, l, [merged0]);
    const { width, height } = spec.input;
    const anchors = generateDefaultBoxes(spec.anchors, width, height); // (A,4) cx,cy,w,h normalised
    const numAnchors = anchors.length / 4;
    const fixedA = fixedDim(l.reg, 1);
    if (fixedA !== undefined && fixedA !== numAnchors) {
      throw new SsdsError(
        ErrorCodes.SPEC_INVALID,
        `${sources.modelPath}: the spec's anchors give ${numAnchors} boxes but output "${l.reg.name}" has ${fixedA}`,
      );
    }
    const c = spec.labels.length;
    if (numClasses !== undefined && numClasses !== c) {
      throw new SsdsError(
        ErrorCodes.SPEC_INVALID,
        `${sources.modelPath}: output "${l.cls.name}" has ${numClasses} classes but the spec lists ${c} labels`,
      );
    }
    const fixedBatch = graphFixedBatch(l.input, l.axes);
    const feed = floatPictureFeeder(spec, l.axes, fixedBatch);
    // Scratch reused per image: softmax, compaction and decoding write here, selection reads it.
    const candidates: CandidateRows = { count: 0, rows: new Int32Array(numAnchors), scores: new Float32Array(numAnchors * c) };
    const regKept = new Float32Array(numAnchors * 4);
    const anchorsKept = new Float32Array(numAnchors * 4);
    const boxes = new Float32Array(numAnchors * 4);
    const dense = new Float32Array(numAnchors * c);
    const select = { ...spec.postprocess, backgroundIndex: spec.backgroundIndex, numClasses: c };
    return {
      adapter: 'torchvision-raw',
      spec,
      fixedBatch,
      feeds(images) {
        return { [l.input.name]: feed(images) };
      },
      select(outputs, index, batch) {
        const rt = outputTensor(outputs, 'bbox_regression');
        const ct = outputTensor(outputs, 'cls_logits');
        floatData(rt, 'bbox_regression');
        floatData(ct, 'cls_logits');
        const reg = imageSlice<Float32Array>(rt, 'bbox_regression', index, batch, numAnchors * 4);
        const logits = imageSlice<Float32Array>(ct, 'cls_logits', index, batch, numAnchors * c);
        if (spec.scoreActivation !== 'softmax') {
          dense.set(logits);
          if (spec.scoreActivation === 'sigmoid') sigmoidInPlace(dense);
          decodeBoxes(reg, anchors, spec.boxCoder, boxes);
          return selectDetections(clipBoxesXyxy(boxes), dense, select);
        }
        // Only anchors where some class can pass the threshold are decoded and selected from;
        // the others could not contribute a candidate (see threshold-softmax.ts).
        const kept = softmaxCandidateRows(logits, numAnchors, c, select.scoreThreshold, spec.backgroundIndex, candidates);
        const n = kept.count;
        for (let k = 0; k < n; k++) {
          const a = kept.rows[k] * 4;
          regKept.set(reg.subarray(a, a + 4), k * 4);
          anchorsKept.set(anchors.subarray(a, a + 4), k * 4);
        }
        const b = boxes.subarray(0, n * 4);
        decodeBoxes(regKept.subarray(0, n * 4), anchorsKept.subarray(0, n * 4), spec.boxCoder, b);
        return selectDetections(clipBoxesXyxy(b), kept.scores.subarray(0, n * c), select);
      },
    };
  },
};
