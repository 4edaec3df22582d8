/**
 * The MobileNetV1-SSD factory: the architecture of the TF Object Detection API's
 * `ssd_mobilenet_v1` (Howard et al. 2017 backbone; Liu et al. 2016 heads on the stride-16 and
 * stride-32 maps plus four extra stride-2 layers), with a width multiplier, any input size, any
 * label set, plain or SSDlite heads, and seeded random weights. The face-api default model is
 * this architecture at width 1.0 and 512×512 with its pretrained weights; the training module
 * builds its networks here so that they export with the same writer.
 */
import {
  modelSpecSchema,
  type ModelSpec,
  type ModelSpecInput,
} from '../ssd/spec.js';
import {
  anchorsPerCell,
  layerWeightShapes,
  NETWORK_INPUT,
  samePadding,
  type Activation,
  type ConvLayer,
  type Predictor,
  type SsdNetwork,
  type WeightTensor,
} from './ssd-network.js';
import { seededRandom } from '../util/seeded-random.js';

/** Options of {@link createMobilenetV1Ssd}; every field has a default. */
export interface MobilenetV1SsdOptions {
  name?: string;
  /** Channel multiplier α of MobileNetV1 (and of the extra layers). */
  widthMultiplier?: number;
  /** Input `[height, width]` in pixels, or one number for a square. */
  inputSize?: number | [number, number];
  /** Class names, background first when `backgroundIndex` is 0. */
  labels?: string[];
  /** `plain`: one conv per head (kernel `headKernel`); `ssdlite`: 3×3 depthwise + 1×1. */
  head?: 'plain' | 'ssdlite';
  /** Kernel of plain heads: 1 in the TF OD API model, 3 in the SSD paper. */
  headKernel?: number;
  /** Anything of the spec to override (input normalisation, anchors, coder, postprocess ...). */
  spec?: Partial<ModelSpecInput>;
  /** Seed of the random initialisation (same seed → same weights). */
  seed?: number;
}

/** Default options: the face-api / TF `ssd_mobilenet_v1` layout. */
export const MOBILENET_V1_SSD_DEFAULTS = Object.freeze({
  name: 'ssd-mobilenetv1',
  widthMultiplier: 1,
  inputSize: 512 as number | [number, number],
  labels: ['background', 'face'],
  head: 'plain' as 'plain' | 'ssdlite',
  headKernel: 1,
  seed: 1,
});

// MobileNetV1 pointwise output channels of layers 0..13 at α = 1 (Howard et al., Table 1).
const BACKBONE_CHANNELS = [32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
const BACKBONE_STRIDE2 = new Set([2, 4, 6, 12]);
// TF ssd_mobilenet_v1 extra layers: (1×1 to `a`, then 3×3 stride 2 to `b`) four times.
const EXTRA_CHANNELS: [number, number][] = [
  [256, 512],
  [128, 256],
  [128, 256],
  [64, 128],
];
/** Names of the two backbone layers the first two heads read (stride 16 and stride 32). */
export const MOBILENET_V1_FEATURE_LAYERS = ['backbone/pw11', 'backbone/pw13'] as const;

function conv(name: string, input: string, kernel: number, stride: number, inC: number, outC: number, act: Activation): ConvLayer {
  return { name, kind: 'conv', input, kernel, stride, inChannels: inC, outChannels: outC, activation: act };
}

function depthwise(name: string, input: string, stride: number, c: number, act: Activation): ConvLayer {
  return { name, kind: 'depthwise', input, kernel: 3, stride, inChannels: c, outChannels: c, activation: act };
}

/** Backbone and extra layers, and the names of the six feature-map layers. */
function buildTrunk(alpha: number): { layers: ConvLayer[]; sources: string[] } {
  // TF's `depth()` with min_depth 8: int(d * α) but never thinner than 8 channels.
  const depth = (d: number): number => Math.max(8, Math.floor(d * alpha));
  const layers: ConvLayer[] = [conv('backbone/conv0', NETWORK_INPUT, 3, 2, 3, depth(32), 'relu6')];
  let prev = 'backbone/conv0';
  let c = depth(32);
  for (let i = 1; i < BACKBONE_CHANNELS.length; i++) {
    const stride = BACKBONE_STRIDE2.has(i) ? 2 : 1;
    layers.push(depthwise(`backbone/dw${i}`, prev, stride, c, 'relu6'));
    layers.push(conv(`backbone/pw${i}`, `backbone/dw${i}`, 1, 1, c, depth(BACKBONE_CHANNELS[i]), 'relu6'));
    prev = `backbone/pw${i}`;
    c = depth(BACKBONE_CHANNELS[i]);
  }
  const sources: string[] = [...MOBILENET_V1_FEATURE_LAYERS];
  EXTRA_CHANNELS.forEach(([a, b], j) => {
    const n1 = `extra/conv${2 * j}`;
    const n2 = `extra/conv${2 * j + 1}`;
    layers.push(conv(n1, prev, 1, 1, c, depth(a), 'relu6'));
    layers.push(conv(n2, n1, 3, 2, depth(a), depth(b), 'relu6'));
    prev = n2;
    c = depth(b);
    sources.push(n2);
  });
  return { layers, sources };
}

/** Feature-map sizes `[h, w]` of the six sources for an input size (TF `same` padding). */
export function mobilenetV1FeatureMaps(height: number, width: number): [number, number][] {
  const { layers, sources } = buildTrunk(1);
  const hw = new Map<string, [number, number]>([[NETWORK_INPUT, [height, width]]]);
  for (const l of layers) {
    const [h, w] = hw.get(l.input)!;
    hw.set(l.name, [samePadding(h, l.kernel, l.stride).out, samePadding(w, l.kernel, l.stride).out]);
  }
  return sources.map((s) => hw.get(s)!);
}

function headChain(k: number, what: 'box' | 'class', source: string, inC: number, outC: number, opts: Required<Omit<MobilenetV1SsdOptions, 'spec'>>): ConvLayer[] {
  if (opts.head === 'ssdlite') {
    // SSDlite (Sandler et al. 2018, §6.2): depthwise 3×3 + BN + ReLU6, then a linear 1×1.
    return [depthwise(`head${k}/${what}_dw`, source, 1, inC, 'relu6'), conv(`head${k}/${what}`, `head${k}/${what}_dw`, 1, 1, inC, outC, 'none')];
  }
  return [conv(`head${k}/${what}`, source, opts.headKernel, 1, inC, outC, 'none')];
}


/** He-uniform kernels (fan-in), zero biases, for every layer of the network. */
export function randomWeights(layers: ConvLayer[], seed: number): Map<string, WeightTensor> {
  const rand = seededRandom(seed);
  const weights = new Map<string, WeightTensor>();
  for (const l of layers) {
    for (const [name, shape] of layerWeightShapes(l)) {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (name.endsWith('/kernel')) {
        const fanIn = l.kind === 'depthwise' ? l.kernel * l.kernel : l.kernel * l.kernel * l.inChannels;
        const limit = Math.sqrt(6 / fanIn);
        for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * limit;
      }
      weights.set(name, { shape, data });
    }
  }
  return weights;
}

/**
 * The spec a MobileNetV1-SSD gets unless overridden: TF OD API conventions (inputs scaled to
 * [-1, 1], `tf-grid` anchors on the six feature maps, yxhw coding with scale factors 10/10/5/5,
 * sigmoid scores with the background column 0).
 */
export function mobilenetV1SsdSpec(opts: MobilenetV1SsdOptions = {}): ModelSpec {
  const o = { ...MOBILENET_V1_SSD_DEFAULTS, ...opts };
  const [h, w] = typeof o.inputSize === 'number' ? [o.inputSize, o.inputSize] : o.inputSize;
  const over = opts.spec ?? {};
  const anchorOver = over.anchors && over.anchors.type === 'tf-grid' ? over.anchors : undefined;
  return Object.freeze(
    modelSpecSchema.parse({
      name: o.name,
      labels: o.labels,
      backgroundIndex: 0,
      scoreActivation: 'sigmoid',
      boxCoder: { order: 'yxhw', variances: [0.1, 0.1, 0.2, 0.2] },
      ...over,
      input: {
        width: w,
        height: h,
        format: 'uint8-nhwc',
        pixelScale: 2 / 255,
        mean: [1, 1, 1],
        std: [1, 1, 1],
        ...over.input,
      },
      anchors: over.anchors && !anchorOver ? over.anchors : { ...anchorOver, type: 'tf-grid', featureMaps: mobilenetV1FeatureMaps(h, w) },
    }),
  );
}

/**
 * Builds a MobileNetV1-SSD network (architecture + seeded random weights). Replace the weights
 * (e.g. with `faceApiSsdNetwork`'s or a checkpoint's) to get a trained model.
 */
export function createMobilenetV1Ssd(opts: MobilenetV1SsdOptions = {}): SsdNetwork {
  const o = { ...MOBILENET_V1_SSD_DEFAULTS, ...opts };
  const spec = mobilenetV1SsdSpec(opts);
  const { layers, sources } = buildTrunk(o.widthMultiplier);
  const channels = new Map(layers.map((l) => [l.name, l.outChannels]));
  const numClasses = spec.labels.length;
  const predictors: Predictor[] = sources.map((source, k) => {
    const apc = anchorsPerCell(spec.anchors, k);
    const inC = channels.get(source)!;
    return {
      source,
      anchorsPerCell: apc,
      box: headChain(k, 'box', source, inC, apc * 4, o),
      cls: headChain(k, 'class', source, inC, apc * numClasses, o),
    };
  });
  const all = [...layers, ...predictors.flatMap((p) => [...p.box, ...p.cls])];
  return { spec, layers, predictors, weights: randomWeights(all, o.seed) };
}
