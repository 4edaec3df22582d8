/**
 * The ONNX Model Zoo SSD (`ssd-12.onnx`, the MLPerf SSD ResNet34): one float32 `image`
 * `(1, 3, 1200, 1200)`, ImageNet-normalised (`(x / 255 - mean) / std`); `bboxes` `(1, K, 4)`
 * xyxy normalised, `labels` `(1, K)` int64 (1-based index into the 80 contiguous COCO classes)
 * and `scores` `(1, K)` out. The graph decodes and runs NMS itself; only the score threshold and
 * the detection cap apply here. A sidecar can override the input size, normalisation and labels.
 */
import { ErrorCodes, SsdsError } from '../../errors.js';
import { COCO80_LABELS } from '../coco-labels.js';
import { fixedDim, type ModelIo } from '../model-io.js';
import type { BindContext, BoundModel, ModelAdapter } from './adapter.js';
import {
  floatData,
  floatPictureFeeder,
  graphFixedBatch,
  imageSlice,
  matchPictureLayout,
  modelName,
  nominalAnchors,
  outputTensor,
  resolveAdapterSpec,
} from './adapter-util.js';
import { pickScored } from './pick-scored.js';

/** The model's training size, used when the graph leaves H and W open. */
const DEFAULT_SIZE = 1200; // px

function layout(io: ModelIo) {
  return matchPictureLayout(io, { type: 'float32', layout: 'nchw', batched: true, outputs: ['bboxes', 'labels', 'scores'] });
}

/** The ONNX Model Zoo SSD ResNet34 layout. */
export const zooSsdResnet34Adapter: ModelAdapter = {
  name: 'onnx-zoo-ssd-resnet34',
  expects:
    'onnx-zoo-ssd-resnet34: input float32 [N,3,H,W] "image"; outputs "bboxes" [N,K,4] (normalised xyxy), "labels" [N,K], "scores" [N,K]',
  matches: (io) => layout(io) !== undefined,
  bind(ctx: BindContext): BoundModel {
    const l = layout(ctx.io);
    if (!l) throw new SsdsError(ErrorCodes.MODEL_LAYOUT, `${ctx.sources.modelPath}: not the ONNX Model Zoo SSD layout`);
    const { sources } = ctx;
    const w = fixedDim(l.input, l.axes.width) ?? DEFAULT_SIZE;
    const h = fixedDim(l.input, l.axes.height) ?? DEFAULT_SIZE;
    const defaults = {
      name: modelName(sources.modelPath),
      input: {
        width: w,
        height: h,
        format: 'float32-nchw',
        resize: 'stretch',
        pixelScale: 1 / 255,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
      labels: [...COCO80_LABELS],
      backgroundIndex: 0,
      scoreActivation: 'none',
      anchors: nominalAnchors(w, h),
    };
    const spec = resolveAdapterSpec(ctx, defaults, l);
    const feed = floatPictureFeeder(spec, l.axes, graphFixedBatch(l.input, l.axes));
    const { scoreThreshold, maxDetections } = spec.postprocess;
    return {
      adapter: 'onnx-zoo-ssd-resnet34',
      spec,
      fixedBatch: graphFixedBatch(l.input, l.axes),
      feeds(images) {
        return { [l.input.name]: feed(images) };
      },
      select(outputs, index, batch) {
        const st = outputTensor(outputs, 'scores');
        floatData(st, 'scores');
        const scores = imageSlice<Float32Array>(st, 'scores', index, batch);
        const k = scores.length;
        const bt = outputTensor(outputs, 'bboxes');
        floatData(bt, 'bboxes');
        const boxes = imageSlice<Float32Array>(bt, 'bboxes', index, batch, k * 4);
        const labels = imageSlice<BigInt64Array | Int32Array | Float32Array>(outputTensor(outputs, 'labels'), 'labels', index, batch, k);
        return pickScored(
          {
            scores,
            valid: k,
            classOf: (i) => Number(labels[i]),
            writeBox: (i, dst, at) => dst.set(boxes.subarray(i * 4, i * 4 + 4), at),
          },
          scoreThreshold,
          maxDetections,
        );
      },
    };
  },
};
