/**
 * torchvision SSD / SSDlite exported whole (`torch.onnx.export(model, [image])`): one float
 * `(3, H, W)` picture in [0, 1] in; `boxes` `(K, 4)` xyxy in pixels of that picture, `scores`
 * `(K)`, `labels` `(K)` int64 out. The graph resizes, normalises, decodes and runs NMS itself,
 * so only the score threshold and the detection cap apply here.
 *
 * This form is supported because users bring it, but it is slow: the in-graph NMS (a
 * `NonMaxSuppression` node fed by a per-class loop) takes ~200 ms per image in ONNX Runtime
 * on this CPU, against ~10 ms for the raw heads plus the project's own NMS. Export the raw heads
 * (see `torchvision-raw`) where you can.
 */
import ort from 'onnxruntime-node';
import { ErrorCodes, SsdsError } from '../../errors.js';
import type { RawDetections } from '../../ssd/postprocess.js';
import { COCO91_LABELS } from '../coco-labels.js';
import { fixedDim, type ModelIo } from '../model-io.js';
import { channelAffine, rgb24ToPlanar } from '../pixel-convert.js';
import type { BindContext, BoundModel, ModelAdapter } from './adapter.js';
import { pickScored } from './pick-scored.js';
import {
  checkFrameSizes,
  floatData,
  matchPictureLayout,
  modelName,
  nominalAnchors,
  outputTensor,
  resolveAdapterSpec,
} from './adapter-util.js';

/** Input size used when the graph leaves H and W open (torchvision resizes in-graph anyway). */
const DEFAULT_SIZE = 320; // px

function layout(io: ModelIo) {
  return matchPictureLayout(io, { type: 'float32', layout: 'nchw', outputs: ['boxes', 'scores', 'labels'] });
}

/** The torchvision post-processed layout. */
export const torchvisionPostprocessedAdapter: ModelAdapter = {
  name: 'torchvision-postprocessed',
  expects:
    'torchvision-postprocessed: input float32 [3,H,W]; outputs "boxes" [K,4] (pixels xyxy), "scores" [K], "labels" [K]',
  matches: (io) => layout(io) !== undefined,
  bind(ctx: BindContext): BoundModel {
    const l = layout(ctx.io);
    if (!l) throw new SsdsError(ErrorCodes.MODEL_LAYOUT, `${ctx.sources.modelPath}: not a torchvision post-processed layout`);
    const { sources } = ctx;
    const w = fixedDim(l.input, l.axes.width) ?? DEFAULT_SIZE;
    const h = fixedDim(l.input, l.axes.height) ?? DEFAULT_SIZE;
    const defaults = {
      name: modelName(sources.modelPath),
      // torchvision's transform expects [0,1] and normalises in-graph.
      input: { width: w, height: h, format: 'float32-nchw', resize: 'stretch', pixelScale: 1 / 255 },
      labels: [...COCO91_LABELS],
      backgroundIndex: 0,
      scoreActivation: 'none',
      anchors: nominalAnchors(w, h),
    };
    const spec = resolveAdapterSpec(ctx, defaults, l);
    const { width, height } = spec.input;
    const pixels = width * height;
    const affine = channelAffine(spec.input);
    const input = new Float32Array(pixels * 3);
    const dims = l.axes.batch === undefined ? [3, height, width] : [1, 3, height, width];
    const { scoreThreshold, maxDetections } = spec.postprocess;
    return {
      adapter: 'torchvision-postprocessed',
      spec,
      // torchvision's export takes a list of one image: one picture per run.
      fixedBatch: 1,
      feeds(images) {
        checkFrameSizes(images, width, height);
        if (images.length !== 1) {
          throw new SsdsError(ErrorCodes.API_BAD_REQUEST, `this model takes one picture per run, got ${images.length}`);
        }
        rgb24ToPlanar(images[0], pixels, affine, input);
        return { [l.input.name]: new ort.Tensor('float32', input, dims) };
      },
      select(outputs): RawDetections {
        const boxes = floatData(outputTensor(outputs, 'boxes'), 'boxes');
        const scores = floatData(outputTensor(outputs, 'scores'), 'scores');
        const labels = outputTensor(outputs, 'labels').data as BigInt64Array | Int32Array | Float32Array;
        const k = scores.length;
        if (boxes.length !== k * 4 || labels.length !== k) {
          throw new SsdsError(
            ErrorCodes.MODEL_LAYOUT,
            `outputs boxes/scores/labels disagree: ${boxes.length / 4} boxes, ${k} scores, ${labels.length} labels`,
          );
        }
        return pickScored(
          {
            scores,
            valid: k,
            classOf: (i) => Number(labels[i]),
            // pixels of the model input → normalised
            writeBox: (i, dst, at) => {
              dst[at] = boxes[i * 4] / width;
              dst[at + 1] = boxes[i * 4 + 1] / height;
              dst[at + 2] = boxes[i * 4 + 2] / width;
              dst[at + 3] = boxes[i * 4 + 3] / height;
            },
          },
          scoreThreshold,
          maxDetections,
        );
      },
    };
  },
};
