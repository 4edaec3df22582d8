/**
 * Small pieces the adapters share: reading one image's slice of an output tensor with its shape
 * checked, packing pictures into a batch tensor, the spec's input geometry from a model input.
 */
import { basename } from 'node:path';
import ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { ErrorCodes, SsdsError } from '../../errors.js';
import type { AnchorSpecInput, ModelSpec } from '../../ssd/spec.js';
import { baseName, findTensor, fixedDim, type ModelIo, type TensorInfo } from '../model-io.js';
import { finalizeSpec, mergeSpecLayers, type SpecLayer } from '../model-spec.js';
import { channelAffine, rgb24ToInterleaved, rgb24ToPlanar } from '../pixel-convert.js';
import type { BindContext } from './adapter.js';

/** The output of `outputs` whose base name is `name`; MODEL_LAYOUT when missing. */
export function outputTensor(outputs: InferenceSession.ReturnType, name: string): ort.Tensor {
  for (const [k, v] of Object.entries(outputs)) {
    if (baseName(k) === name) return v as ort.Tensor;
  }
  throw new SsdsError(
    ErrorCodes.MODEL_LAYOUT,
    `output "${name}" missing from the run results (have: ${Object.keys(outputs).join(', ')})`,
  );
}

/**
 * Image `index`'s contiguous part of an output with a leading batch axis.
 * @param perItem values one image has in this output, when known (checked)
 */
export function imageSlice<T extends Float32Array | BigInt64Array | Int32Array>(
  t: ort.Tensor,
  name: string,
  index: number,
  batch: number,
  perItem?: number,
): T {
  const data = t.data as T;
  const per = data.length / batch;
  if (!Number.isInteger(per) || (perItem !== undefined && per !== perItem)) {
    throw new SsdsError(
      ErrorCodes.MODEL_LAYOUT,
      `output "${name}" has shape [${t.dims.join(',')}] (${data.length} values), expected ${
        perItem ?? 'a whole number of'
      } values for each of ${batch} images`,
    );
  }
  return data.subarray(index * per, (index + 1) * per) as T;
}

/** The float32 data of an output; MODEL_LAYOUT when the model returns another type. */
export function floatData(t: ort.Tensor, name: string): Float32Array {
  if (t.type !== 'float32') {
    throw new SsdsError(ErrorCodes.MODEL_LAYOUT, `output "${name}" is ${t.type}, expected float32`);
  }
  return t.data as Float32Array;
}

/**
 * Packs rgb24 pictures into one uint8 `(B, H, W, 3)` tensor. One picture is wrapped without a
 * copy; several are copied into a buffer reused across runs (ONNX Runtime reads it during the
 * synchronous run only).
 */
export function uint8NhwcFeeder(width: number, height: number, fixedBatch: number | undefined) {
  const frameBytes = width * height * 3;
  let buf = new Uint8Array(0);
  return (images: readonly Uint8Array[]): ort.Tensor => {
    const b = fixedBatch ?? images.length;
    if (b === 1 && images.length === 1) return new ort.Tensor('uint8', images[0], [1, height, width, 3]);
    if (buf.length !== b * frameBytes) buf = new Uint8Array(b * frameBytes);
    else if (images.length < b) buf.fill(0, images.length * frameBytes);
    images.forEach((img, i) => buf.set(img, i * frameBytes));
    return new ort.Tensor('uint8', buf, [b, height, width, 3]);
  };
}

/** Throws API_BAD_REQUEST unless every picture is `width × height × 3` bytes. */
export function checkFrameSizes(images: readonly Uint8Array[], width: number, height: number): void {
  const want = width * height * 3;
  for (let i = 0; i < images.length; i++) {
    if (images[i].length !== want) {
      throw new SsdsError(
        ErrorCodes.API_BAD_REQUEST,
        `picture ${i} of the batch has ${images[i].length} bytes, the model input needs ${width}x${height} rgb24 = ${want}`,
      );
    }
  }
}

/** Axes of a picture input: where H, W and the 3 channels sit, and the batch axis if any. */
export interface PictureAxes {
  batch: number | undefined;
  height: number;
  width: number;
  layout: 'nhwc' | 'nchw';
}

/** Picture axes of an input: rank 4 NHWC/NCHW (channels = 3) or rank 3 CHW/HWC without batch. */
export function pictureAxes(t: TensorInfo): PictureAxes | undefined {
  const s = t.shape;
  const off = s.length === 4 ? 1 : s.length === 3 ? 0 : -1;
  if (off < 0) return undefined;
  const batch = off === 1 ? 0 : undefined;
  if (s[off + 2] === 3) return { batch, height: off, width: off + 1, layout: 'nhwc' };
  if (s[off] === 3) return { batch, height: off + 1, width: off + 2, layout: 'nchw' };
  return undefined;
}

/** The graph's fixed batch: the batch axis' size, 1 without a batch axis, undefined if dynamic. */
export function graphFixedBatch(t: TensorInfo, axes: PictureAxes): number | undefined {
  return axes.batch === undefined ? 1 : fixedDim(t, axes.batch);
}

/**
 * Checks that the spec's input size is one the graph accepts (fixed H/W must match); returns the
 * spec unchanged. SPEC_INVALID names the model and both sizes.
 */
export function checkInputSize(spec: ModelSpec, input: TensorInfo, axes: PictureAxes, modelPath: string): ModelSpec {
  const h = fixedDim(input, axes.height);
  const w = fixedDim(input, axes.width);
  if ((h !== undefined && h !== spec.input.height) || (w !== undefined && w !== spec.input.width)) {
    throw new SsdsError(
      ErrorCodes.SPEC_INVALID,
      `${modelPath}: spec input is ${spec.input.width}x${spec.input.height} but input "${input.name}" is fixed at ${
        w ?? '?'
      }x${h ?? '?'} (W x H)`,
    );
  }
  return spec;
}

/** The model's file name without `.onnx`, the default spec name. */
export function modelName(modelPath: string): string {
  return basename(modelPath).replace(/\.onnx$/i, '');
}

/**
 * A descriptive anchor entry for layouts that decode in-graph (TF OD API, torchvision
 * post-processed): the spec schema requires one, but these adapters never generate anchors.
 * It is the TF `ssd_mobilenet_v1` grid for the input size (19/10/5/3/2/1 at 300 px), so a spec
 * written back out still says something true about the common case.
 */
export function nominalAnchors(width: number, height: number): AnchorSpecInput {
  const featureMaps: [number, number][] = [];
  let fh = Math.ceil(height / 16);
  let fw = Math.ceil(width / 16);
  for (let i = 0; i < 6; i++) {
    featureMaps.push([fh, fw]);
    fh = Math.max(1, Math.ceil(fh / 2));
    fw = Math.max(1, Math.ceil(fw / 2));
  }
  return { type: 'tf-grid', featureMaps };
}

/** The first input of a model, which every supported layout uses for the picture. */
export function pictureInput(io: ModelIo): TensorInfo | undefined {
  return io.inputs.length === 1 ? io.inputs[0] : undefined;
}

/** Post-processing overrides as a spec layer. */
export function overridesLayer(post: object | undefined): SpecLayer | undefined {
  // An explicit `undefined` must not reach the schema: it would reset the key to its default.
  const set = Object.entries(post ?? {}).filter(([, v]) => v !== undefined);
  return set.length ? { postprocess: Object.fromEntries(set) } : undefined;
}

/** What a layout needs of the picture input and the outputs. */
export interface PictureLayoutRule {
  type: 'uint8' | 'float32';
  /** Required axis order; any when omitted. */
  layout?: 'nhwc' | 'nchw';
  /** The input must have a batch axis. */
  batched?: boolean;
  /** Output base names that must all be present. */
  outputs: readonly string[];
}

/** The picture input and its axes when `io` follows `rule`, else undefined. */
export function matchPictureLayout(io: ModelIo, rule: PictureLayoutRule): { input: TensorInfo; axes: PictureAxes } | undefined {
  const input = pictureInput(io);
  const axes = input && pictureAxes(input);
  if (!input || !axes || input.type !== rule.type) return undefined;
  if (rule.layout && axes.layout !== rule.layout) return undefined;
  if (rule.batched && axes.batch === undefined) return undefined;
  return rule.outputs.every((n) => findTensor(io.outputs, n)) ? { input, axes } : undefined;
}

/**
 * The model's final spec: the adapter's `defaults`, then the layers given (embedded spec,
 * sidecar, by default), then the caller's post-processing overrides; checked against the
 * graph's fixed input size.
 */
export function resolveAdapterSpec(
  ctx: BindContext,
  defaults: SpecLayer,
  picture: { input: TensorInfo; axes: PictureAxes },
  layers: (SpecLayer | undefined)[] = [ctx.sources.embedded, ctx.sources.sidecar],
): ModelSpec {
  const { sources } = ctx;
  const merged = mergeSpecLayers(defaults, ...layers, overridesLayer(ctx.postprocess));
  return checkInputSize(finalizeSpec(merged, sources), picture.input, picture.axes, sources.modelPath);
}

/**
 * Packs rgb24 pictures into one normalised float tensor in the input's layout (NCHW or NHWC,
 * with or without a batch axis), `(pixel · pixelScale − mean) / std` per channel. The buffer is
 * reused across runs; spare slots of a fixed batch are zero.
 */
export function floatPictureFeeder(spec: ModelSpec, axes: PictureAxes, fixedBatch: number | undefined) {
  const { width, height } = spec.input;
  const pixels = width * height;
  const affine = channelAffine(spec.input);
  const toFloat = axes.layout === 'nchw' ? rgb24ToPlanar : rgb24ToInterleaved;
  const picture = axes.layout === 'nchw' ? [3, height, width] : [height, width, 3];
  let buf = new Float32Array(0);
  return (images: readonly Uint8Array[]): ort.Tensor => {
    checkFrameSizes(images, width, height);
    const b = fixedBatch ?? images.length;
    if (buf.length !== b * pixels * 3) buf = new Float32Array(b * pixels * 3);
    else if (images.length < b) buf.fill(0, images.length * pixels * 3);
    images.forEach((img, i) => toFloat(img, pixels, affine, buf, i * pixels * 3));
    return new ort.Tensor('float32', buf, axes.batch === undefined ? picture : [b, ...picture]);
  };
}
