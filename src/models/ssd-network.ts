/**
 * A framework-neutral description of an SSD: the model spec, a list of convolution layers
 * (backbone and extra layers, batch-norm already folded into kernel and bias), the per-feature-map
 * box and class predictors, and the weights in tfjs layouts. The ONNX writer
 * (`src/onnx/ssd-graph.ts`) and the tfjs training model both read it, so the two can never
 * disagree about the architecture.
 *
 * Padding is TensorFlow's `same` everywhere (output = ceil(input / stride), the odd pixel of
 * padding at the bottom/right), as in the TF Object Detection API models this layout comes from.
 */
import { boxesPerLocation } from '../ssd/default-boxes.js';
import type { AnchorSpec, ModelSpec } from '../ssd/spec.js';

/** Activation after a convolution. `relu6` is MobileNet's clip to [0, 6]. */
export type Activation = 'relu6' | 'relu' | 'none';

/** Name of the network input (the normalised NHWC float picture) as a layer `input`. */
export const NETWORK_INPUT = 'input';

/**
 * One convolution. Weights are `${name}/kernel` and `${name}/bias`:
 * - `conv`: kernel HWIO `[k, k, inChannels, outChannels]`, bias `[outChannels]`;
 * - `depthwise`: kernel HWC1 `[k, k, inChannels, 1]`, bias `[inChannels]` (outChannels = inChannels).
 */
export interface ConvLayer {
  name: string;
  kind: 'conv' | 'depthwise';
  /** {@link NETWORK_INPUT} or the name of an earlier layer (in `layers` or the same predictor). */
  input: string;
  kernel: number;
  stride: number;
  inChannels: number;
  outChannels: number;
  activation: Activation;
}

/**
 * The predictors of one feature map. `box` and `cls` are chains of layers starting from
 * `source`; the last layer of `box` has `anchorsPerCell * 4` channels ordered (anchor, coord) and
 * the last of `cls` `anchorsPerCell * numClasses` ordered (anchor, class), as TF and torchvision
 * lay them out. A plain head is one conv; an SSDlite head is depthwise + pointwise.
 */
export interface Predictor {
  source: string;
  anchorsPerCell: number;
  box: ConvLayer[];
  cls: ConvLayer[];
}

/** A weight tensor in tfjs layout (row-major, last dimension fastest). */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** A complete SSD: architecture plus weights. */
export interface SsdNetwork {
  spec: ModelSpec;
  /** Backbone and extra layers, in an order where every layer's input comes earlier. */
  layers: ConvLayer[];
  /** One per feature map, in `spec.anchors.featureMaps` order. */
  predictors: Predictor[];
  weights: Map<string, WeightTensor>;
}

/** Number of default boxes per feature-map cell of layer `k` (from `src/ssd`'s generators). */
export function anchorsPerCell(anchors: AnchorSpec, k: number): number {
  return boxesPerLocation(anchors)[k];
}

/** TF `same` padding of one spatial axis: output size and the (begin, end) pads. */
export function samePadding(inSize: number, kernel: number, stride: number): { out: number; begin: number; end: number } {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + kernel - inSize, 0);
  const begin = Math.floor(total / 2);
  return { out, begin, end: total - begin };
}

/** Output `[height, width, channels]` of every layer (backbone, extras and predictor layers). */
export function layerShapes(net: SsdNetwork): Map<string, [number, number, number]> {
  const shapes = new Map<string, [number, number, number]>();
  shapes.set(NETWORK_INPUT, [net.spec.input.height, net.spec.input.width, 3]);
  const visit = (l: ConvLayer): void => {
    const src = shapes.get(l.input);
    if (!src) throw new Error(`layer ${l.name}: input ${l.input} is not defined before it`);
    if (src[2] !== l.inChannels) {
      throw new Error(`layer ${l.name}: expects ${l.inChannels} input channels, ${l.input} has ${src[2]}`);
    }
    if (shapes.has(l.name)) throw new Error(`layer ${l.name}: name used twice`);
    const h = samePadding(src[0], l.kernel, l.stride).out;
    const w = samePadding(src[1], l.kernel, l.stride).out;
    shapes.set(l.name, [h, w, l.outChannels]);
  };
  net.layers.forEach(visit);
  for (const p of net.predictors) [...p.box, ...p.cls].forEach(visit);
  return shapes;
}

/** Expected tfjs weight shapes of a layer, keyed by weight name. */
export function layerWeightShapes(l: ConvLayer): Map<string, number[]> {
  return new Map([
    [`${l.name}/kernel`, l.kind === 'conv' ? [l.kernel, l.kernel, l.inChannels, l.outChannels] : [l.kernel, l.kernel, l.inChannels, 1]],
    [`${l.name}/bias`, [l.outChannels]],
  ]);
}

/** Every layer of the network: backbone, extras, then each predictor's box and class chains. */
export function allLayers(net: SsdNetwork): ConvLayer[] {
  return [...net.layers, ...net.predictors.flatMap((p) => [...p.box, ...p.cls])];
}

/**
 * Checks that the architecture is consistent: layers chain, depthwise layers keep their
 * channels, feature maps match the anchor spec, predictor outputs match anchors × (4 | classes),
 * and every weight is present with its tfjs shape. Throws an `Error` naming the layer or weight
 * at fault; returns the layer shapes.
 */
export function validateSsdNetwork(net: SsdNetwork): Map<string, [number, number, number]> {
  for (const l of allLayers(net)) {
    if (l.kind === 'depthwise' && l.outChannels !== l.inChannels) {
      throw new Error(`layer ${l.name}: depthwise layers keep their channels (${l.inChannels} → ${l.outChannels})`);
    }
    for (const [name, shape] of layerWeightShapes(l)) {
      const w = net.weights.get(name);
      if (!w) throw new Error(`weight ${name} is missing`);
      if (w.shape.join(',') !== shape.join(',')) {
        throw new Error(`weight ${name}: shape [${w.shape.join(',')}], expected [${shape.join(',')}]`);
      }
      if (w.data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`weight ${name}: data length ${w.data.length} does not match its shape`);
    }
  }
  const shapes = layerShapes(net);
  const fms = net.spec.anchors.featureMaps;
  if (net.predictors.length !== fms.length) {
    throw new Error(`${net.predictors.length} predictors for ${fms.length} feature maps in spec.anchors`);
  }
  const numClasses = net.spec.labels.length;
  net.predictors.forEach((p, k) => {
    const src = shapes.get(p.source);
    if (!src) throw new Error(`predictor ${k}: source layer ${p.source} is not defined`);
    if (src[0] !== fms[k][0] || src[1] !== fms[k][1]) {
      throw new Error(`predictor ${k}: ${p.source} is ${src[0]}×${src[1]}, spec.anchors.featureMaps[${k}] says ${fms[k][0]}×${fms[k][1]}`);
    }
    const apc = anchorsPerCell(net.spec.anchors, k);
    if (p.anchorsPerCell !== apc) throw new Error(`predictor ${k}: ${p.anchorsPerCell} anchors per cell, the anchor spec gives ${apc}`);
    const chains: [ConvLayer[], number, string][] = [[p.box, apc * 4, 'box'], [p.cls, apc * numClasses, 'class']];
    for (const [chain, channels, what] of chains) {
      if (chain.length === 0) throw new Error(`predictor ${k}: empty ${what} head`);
      if (chain[0].input !== p.source) throw new Error(`predictor ${k}: ${what} head starts from ${chain[0].input}, not ${p.source}`);
      const last = chain[chain.length - 1];
      if (last.outChannels !== channels) throw new Error(`predictor ${k}: ${what} head ${last.name} has ${last.outChannels} channels, expected ${channels}`);
      if (shapes.get(last.name)![0] !== src[0]) throw new Error(`predictor ${k}: ${what} head ${last.name} changes the feature-map size`);
    }
  });
  return shapes;
}
