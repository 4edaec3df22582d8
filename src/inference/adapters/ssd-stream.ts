/**
 * ssd-stream models (the default model, `ssd-stream export`): uint8 NHWC `image` in, decoded
 * `boxes` `(N, A, 4)` xyxy normalised and activated `scores` `(N, A, C)` out, the spec in
 * `metadata_props`. The graph normalises, decodes and activates (DESIGN decision 3), so per
 * frame only class-wise NMS runs here; `spec.scoreActivation` records the activation the graph
 * applied and is not applied again.
 */
import { ErrorCodes, SsdsError } from '../../errors.js';
import { selectDetections } from '../../ssd/postprocess.js';
import { SPEC_METADATA_KEY } from '../../ssd/spec.js';
import { findTensor, fixedDim, type ModelIo } from '../model-io.js';
import type { BindContext, BoundModel, ModelAdapter } from './adapter.js';
import {
  checkFrameSizes,
  floatData,
  graphFixedBatch,
  imageSlice,
  matchPictureLayout,
  modelName,
  outputTensor,
  resolveAdapterSpec,
  uint8NhwcFeeder,
} from './adapter-util.js';

function layout(io: ModelIo) {
  const picture = matchPictureLayout(io, { type: 'uint8', layout: 'nhwc', batched: true, outputs: ['boxes', 'scores'] });
  const boxes = findTensor(io.outputs, 'boxes');
  const scores = findTensor(io.outputs, 'scores');
  // `labels` beside boxes/scores is torchvision's post-processed export, not ours.
  const ok = picture && boxes?.shape.length === 3 && scores?.shape.length === 3 && !findTensor(io.outputs, 'labels');
  return ok ? { ...picture, boxes, scores } : undefined;
}

/** The ssd-stream layout. */
export const ssdStreamAdapter: ModelAdapter = {
  name: 'ssd-stream',
  expects:
    'ssd-stream: input uint8 [N,H,W,3] "image"; outputs "boxes" [N,A,4] (xyxy normalised) and "scores" [N,A,C]; spec in metadata_props or a sidecar',
  matches: (io) => layout(io) !== undefined,
  bind(ctx: BindContext): BoundModel {
    const l = layout(ctx.io);
    if (!l) throw new SsdsError(ErrorCodes.MODEL_LAYOUT, `${ctx.sources.modelPath}: not an ssd-stream layout`);
    const { sources } = ctx;
    if (!sources.embedded && !sources.sidecar) {
      throw new SsdsError(
        ErrorCodes.SPEC_INVALID,
        `${sources.modelPath}: an ssd-stream layout model needs its spec in metadata_props[${SPEC_METADATA_KEY}] or in ${sources.sidecarPath}`,
      );
    }
    const defaults = {
      name: modelName(sources.modelPath),
      input: {
        width: fixedDim(l.input, l.axes.width),
        height: fixedDim(l.input, l.axes.height),
        format: 'uint8-nhwc',
      },
    };
    const spec = resolveAdapterSpec(ctx, defaults, l);
    const numClasses = fixedDim(l.scores, 2);
    if (numClasses !== undefined && numClasses !== spec.labels.length) {
      throw new SsdsError(
        ErrorCodes.SPEC_INVALID,
        `${sources.modelPath}: output "${l.scores.name}" has ${numClasses} classes but the spec lists ${spec.labels.length} labels`,
      );
    }
    const fixedBatch = graphFixedBatch(l.input, l.axes);
    const feed = uint8NhwcFeeder(spec.input.width, spec.input.height, fixedBatch);
    const { width, height } = spec.input;
    const select = { ...spec.postprocess, backgroundIndex: spec.backgroundIndex, numClasses: spec.labels.length };
    return {
      adapter: 'ssd-stream',
      spec,
      fixedBatch,
      feeds(images) {
        checkFrameSizes(images, width, height);
        return { [l.input.name]: feed(images) };
      },
      select(outputs, index, batch) {
        const bt = outputTensor(outputs, 'boxes');
        const st = outputTensor(outputs, 'scores');
        floatData(bt, 'boxes');
        floatData(st, 'scores');
        const boxes = imageSlice<Float32Array>(bt, 'boxes', index, batch);
        const anchors = boxes.length / 4;
        const scores = imageSlice<Float32Array>(st, 'scores', index, batch, anchors * select.numClasses);
        return selectDetections(boxes, scores, select);
      },
    };
  },
};
