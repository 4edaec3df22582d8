/**
 * TF Object Detection API graphs and the ONNX Model Zoo SSD (`ssd_mobilenet_v1_12.onnx`,
 * tf2onnx exports): uint8 `image_tensor` `(N, H, W, 3)` in; `detection_boxes` `(N, K, 4)`
 * ymin,xmin,ymax,xmax normalised, `detection_scores` `(N, K)`, `detection_classes` `(N, K)`
 * (1-based COCO ids, as float) and `num_detections` `(N)` out. The graph has already run its
 * own NMS, so only the score threshold and the detection cap apply here. A dynamic H/W input
 * takes the size the sidecar gives, else 300 × 300 stretched (the zoo model's training size).
 */
import { ErrorCodes, SsdsError } from '../../errors.js';
import type { RawDetections } from '../../ssd/postprocess.js';
import { COCO91_LABELS } from '../coco-labels.js';
import { findTensor, fixedDim, type ModelIo } from '../model-io.js';
import type { BindContext, BoundModel, ModelAdapter } from './adapter.js';
import { pickScored } from './pick-scored.js';
import {
  checkFrameSizes,
  floatData,
  graphFixedBatch,
  imageSlice,
  matchPictureLayout,
  modelName,
  nominalAnchors,
  outputTensor,
  resolveAdapterSpec,
  uint8NhwcFeeder,
} from './adapter-util.js';

/** Input size used when the graph leaves H and W open and no sidecar says otherwise. */
const DEFAULT_SIZE = 300; // px

function layout(io: ModelIo) {
  return matchPictureLayout(io, { type: 'uint8', layout: 'nhwc', batched: true, outputs: ['detection_boxes', 'detection_scores', 'detection_classes'] });
}

/** The TF Object Detection API layout. */
export const tfOdApiAdapter: ModelAdapter = {
  name: 'tf-od-api',
  expects:
    'tf-od-api: input uint8 [N,H,W,3] "image_tensor"; outputs "detection_boxes" [N,K,4] (yxyx), "detection_scores" [N,K], "detection_classes" [N,K], optional "num_detections" [N]',
  matches: (io) => layout(io) !== undefined,
  bind(ctx: BindContext): BoundModel {
    const l = layout(ctx.io);
    if (!l) throw new SsdsError(ErrorCodes.MODEL_LAYOUT, `${ctx.sources.modelPath}: not a TF OD API layout`);
    const { sources } = ctx;
    const width = fixedDim(l.input, l.axes.width) ?? DEFAULT_SIZE;
    const height = fixedDim(l.input, l.axes.height) ?? DEFAULT_SIZE;
    const defaults = {
      name: modelName(sources.modelPath),
      input: { width, height, format: 'uint8-nhwc', resize: 'stretch' },
      labels: [...COCO91_LABELS],
      backgroundIndex: 0,
      scoreActivation: 'none',
      anchors: nominalAnchors(width, height),
      boxCoder: { order: 'yxhw', variances: [0.1, 0.1, 0.2, 0.2] },
    };
    const spec = resolveAdapterSpec(ctx, defaults, l);
    const fixedBatch = graphFixedBatch(l.input, l.axes);
    const feed = uint8NhwcFeeder(spec.input.width, spec.input.height, fixedBatch);
    const hasNum = findTensor(ctx.io.outputs, 'num_detections') !== undefined;
    const { scoreThreshold, maxDetections } = spec.postprocess;
    return {
      adapter: 'tf-od-api',
      spec,
      fixedBatch,
      feeds(images) {
        checkFrameSizes(images, spec.input.width, spec.input.height);
        return { [l.input.name]: feed(images) };
      },
      select(outputs, index, batch): RawDetections {
        const st = outputTensor(outputs, 'detection_scores');
        const scores = imageSlice<Float32Array>(st, 'detection_scores', index, batch);
        const k = scores.length;
        floatData(st, 'detection_scores');
        const boxes = imageSlice<Float32Array>(
          outputTensor(outputs, 'detection_boxes'),
          'detection_boxes',
          index,
          batch,
          k * 4,
        );
        // float in TF exports, int64 in some re-exports: Number() reads both.
        const classes = imageSlice<Float32Array | BigInt64Array | Int32Array>(
          outputTensor(outputs, 'detection_classes'),
          'detection_classes',
          index,
          batch,
          k,
        );
        // Slots past num_detections are padding (often score 0, but not guaranteed).
        const valid = hasNum
          ? Math.min(
              k,
              Number(
                imageSlice<Float32Array | BigInt64Array>(outputTensor(outputs, 'num_detections'), 'num_detections', index, batch, 1)[0],
              ),
            )
          : k;
        return pickScored(
          {
            scores,
            valid,
            classOf: (i) => Math.round(Number(classes[i])),
            // ymin, xmin, ymax, xmax → x1, y1, x2, y2
            writeBox: (i, dst, at) => {
              dst[at] = boxes[i * 4 + 1];
              dst[at + 1] = boxes[i * 4];
              dst[at + 2] = boxes[i * 4 + 3];
              dst[at + 3] = boxes[i * 4 + 2];
            },
          },
          scoreThreshold,
          maxDetections,
        );
      },
    };
  },
};
