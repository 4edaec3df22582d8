/**
 * The default model: face-api's pretrained SSD MobileNetV1 face detector
 * (`@vladmandic/face-api/model/ssd_mobilenetv1_model*`), described as a MobileNetV1-SSD network.
 *
 * What face-api does (read from its `ssdMobilenetv1` sources, facts only):
 * - pads the photo to a square with zeros at the bottom/right (image top-left), resizes it to
 *   512×512 bilinearly, and scales pixels with `x / 127.5 - 1`;
 * - MobileNetV1 at width 1.0 (batch norm folded into the pointwise layers, explicit in the
 *   depthwise layers with ε = 0.001), four extra layers, 1×1 box and class predictors on six
 *   maps (32², 16², 8², 4², 2², 1²; 3 boxes per cell on the first, 6 after) = 5118 boxes;
 * - decodes TF-style (yxhw, scale factors 10/10/5/5) against its stored anchors
 *   (`Output/extra_dim`, ymin/xmin/ymax/xmax), scores = sigmoid of class column 1 of 3
 *   (0 is background, 2 is unused);
 * - greedy NMS at IoU 0.5 over scores above `minConfidence` (default 0.5), at most 100 results.
 *
 * Its stored anchors put the interpolated-scale box right after ratio 1 in each cell (the 2017
 * TF OD API order), where the current TF code appends it last. The conversion matches each stored
 * anchor to the one `generateDefaultBoxes(spec.anchors)` makes and permutes the predictor
 * channels to that order, so the model follows the project's generator whichever order it uses.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ErrorCodes, SsdsError } from '../errors.js';
import { generateDefaultBoxes } from '../ssd/default-boxes.js';
import type { ModelSpec } from '../ssd/spec.js';
import { readTfjsWeights, type TfjsWeight } from './face-api-weights.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import { createMobilenetV1Ssd } from './mobilenet-v1-ssd.js';
import type { SsdNetwork, WeightTensor } from './ssd-network.js';

/** Batch-norm ε of face-api's depthwise layers (float32 of 0.001, as TF stored it). */
const BN_EPSILON = 0.0010000000474974513;
/** Class columns of face-api's predictors: background, face, and an unused third. */
const FACE_API_CLASSES = 3;

/** Path of face-api's SSD MobileNetV1 weights manifest inside node_modules. */
export function faceApiManifestPath(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('@vladmandic/face-api/package.json');
  } catch (e) {
    throw new SsdsError(ErrorCodes.MODEL_NOT_FOUND, '@vladmandic/face-api is not installed: it ships the default model weights (run npm install)', { cause: e });
  }
  return join(dirname(pkg), 'model', 'ssd_mobilenetv1_model-weights_manifest.json');
}

function tensor(map: Map<string, TfjsWeight>, name: string, manifest: string): Float32Array {
  const w = map.get(name);
  if (!w || !(w.data instanceof Float32Array)) {
    throw new SsdsError(ErrorCodes.MODEL_INVALID, `${manifest}: tensor ${name} is missing or not float32`);
  }
  return w.data;
}

/** Keeps class columns `[0, keep)` of each anchor of a (…, anchors × 3) predictor output. */
function keepClasses(data: Float32Array, inner: number, anchors: number, keep: number): Float32Array {
  // data (inner, anchors * 3) row-major → (inner, anchors * keep); inner = kh*kw*Cin for kernels, 1 for biases
  const out = new Float32Array(inner * anchors * keep);
  for (let r = 0; r < inner; r++)
    for (let a = 0; a < anchors; a++)
      for (let c = 0; c < keep; c++) out[(r * anchors + a) * keep + c] = data[(r * anchors + a) * FACE_API_CLASSES + c];
  return out;
}

/**
 * For each predictor, the permutation `perm[generatedSlot] = storedSlot` that maps the anchor
 * slots of a cell in `stored` (face-api's `Output/extra_dim` as cxcywh) to those of `generated`.
 * Throws `SSDS_ERR_MODEL_INVALID` when some stored anchor has no generated twin.
 */
function anchorSlotPermutations(net: SsdNetwork, stored: Float32Array, generated: Float32Array, manifest: string): number[][] {
  if (stored.length !== generated.length) {
    throw new SsdsError(ErrorCodes.MODEL_INVALID, `${manifest}: ${stored.length / 4} stored anchors, spec.anchors generates ${generated.length / 4}`);
  }
  const perms: number[][] = [];
  let base = 0; // first anchor of the layer
  net.predictors.forEach((p, k) => {
    const [fh, fw] = net.spec.anchors.featureMaps[k];
    const apc = p.anchorsPerCell;
    const perm: number[] = [];
    const near = (a: number, b: number): boolean => Math.abs(stored[a * 4 + 2] - generated[b * 4 + 2]) < 1e-4 && Math.abs(stored[a * 4 + 3] - generated[b * 4 + 3]) < 1e-4;
    for (let g = 0; g < apc; g++) {
      const s = Array.from({ length: apc }, (_, i) => i).find((i) => !perm.includes(i) && near(base + i, base + g));
      if (s === undefined) throw new SsdsError(ErrorCodes.MODEL_INVALID, `${manifest}: anchor slot ${g} of feature map ${k} has no stored twin (spec.anchors do not describe face-api's anchors)`);
      perm.push(s);
    }
    // Every cell must agree, centres included.
    for (let cell = 0; cell < fh * fw; cell++) {
      for (let g = 0; g < apc; g++) {
        const a = base + cell * apc + perm[g];
        const b = base + cell * apc + g;
        for (let j = 0; j < 4; j++) {
          if (Math.abs(stored[a * 4 + j] - generated[b * 4 + j]) > 1e-4) {
            throw new SsdsError(ErrorCodes.MODEL_INVALID, `${manifest}: stored anchor ${a} differs from generated anchor ${b} (feature map ${k})`);
          }
        }
      }
    }
    perms.push(perm);
    base += fh * fw * apc;
  });
  return perms;
}

/** Reorders the (anchor, value) output channels of a kernel `(inner, apc * per)` or bias. */
function permuteSlots(data: Float32Array, inner: number, perm: number[], per: number): Float32Array {
  const apc = perm.length;
  const out = new Float32Array(data.length);
  for (let r = 0; r < inner; r++)
    for (let g = 0; g < apc; g++)
      for (let j = 0; j < per; j++) out[(r * apc + g) * per + j] = data[(r * apc + perm[g]) * per + j];
  return out;
}

/**
 * The spec of the default model. `pixelScale` is face-api's `Preprocessor/mul/x`
 * (float32 2/255); mean 1 gives face-api's [-1, 1] range.
 */
export function faceSsdMobilenetV1Spec(name = 'face-ssd-mobilenetv1'): ModelSpec {
  return createMobilenetV1Ssd({ name, inputSize: 512, labels: ['background', 'face'], spec: faceSpecOverrides }).spec;
}

const faceSpecOverrides = {
  input: {
    width: 512,
    height: 512,
    format: 'uint8-nhwc' as const,
    resize: 'pad' as const,
    padAlign: 'top-left' as const,
    pixelScale: 0.007843137718737125,
    mean: [1, 1, 1] as [number, number, number],
    std: [1, 1, 1] as [number, number, number],
  },
  postprocess: { scoreThreshold: 0.5, iouThreshold: 0.5, preNmsTopK: 5118, maxDetections: 100, nms: 'hard' as const, softSigma: 0.5 },
};

/**
 * Builds the default model's network from face-api's weights (read from `manifestPath`, by
 * default the installed package). Throws `SSDS_ERR_MODEL_INVALID` naming the tensor at fault.
 */
export function faceApiSsdNetwork(manifestPath = faceApiManifestPath(), name = 'face-ssd-mobilenetv1'): SsdNetwork {
  const src = readTfjsWeights(manifestPath);
  const net = createMobilenetV1Ssd({ name, inputSize: 512, labels: ['background', 'face'], spec: faceSpecOverrides });
  const t = (n: string): Float32Array => tensor(src, n, manifestPath);
  const weights = new Map<string, WeightTensor>();
  const put = (layer: string, kernel: Float32Array, bias: Float32Array): void => {
    const shapeK = net.weights.get(`${layer}/kernel`)!.shape;
    const shapeB = net.weights.get(`${layer}/bias`)!.shape;
    if (kernel.length !== shapeK.reduce((a, b) => a * b, 1) || bias.length !== shapeB[0]) {
      throw new SsdsError(ErrorCodes.MODEL_INVALID, `${manifestPath}: weights of ${layer} do not fit [${shapeK.join(',')}]`);
    }
    weights.set(`${layer}/kernel`, { shape: shapeK, data: kernel });
    weights.set(`${layer}/bias`, { shape: shapeB, data: bias });
  };

  const pw = (prefix: string): [Float32Array, Float32Array] => [t(`${prefix}/weights`), t(`${prefix}/convolution_bn_offset`)];
  put('backbone/conv0', ...pw('MobilenetV1/Conv2d_0_pointwise'));
  for (let i = 1; i <= 13; i++) {
    const d = `MobilenetV1/Conv2d_${i}_depthwise`;
    const folded = foldBatchNorm({ shape: net.weights.get(`backbone/dw${i}/kernel`)!.shape, data: t(`${d}/depthwise_weights`) }, undefined, {
      gamma: t(`${d}/BatchNorm/gamma`),
      beta: t(`${d}/BatchNorm/beta`),
      mean: t(`${d}/BatchNorm/moving_mean`),
      variance: t(`${d}/BatchNorm/moving_variance`),
      epsilon: BN_EPSILON,
    });
    put(`backbone/dw${i}`, folded.kernel.data, folded.bias.data);
    put(`backbone/pw${i}`, ...pw(`MobilenetV1/Conv2d_${i}_pointwise`));
  }
  for (let n = 0; n < 8; n++) put(`extra/conv${n}`, ...pw(`Prediction/Conv2d_${n}_pointwise`));
  const storedYxyx = t('Output/extra_dim');
  const stored = new Float32Array(storedYxyx.length); // (A, 4) cxcywh
  for (let i = 0; i < stored.length; i += 4) {
    const [y1, x1, y2, x2] = [storedYxyx[i], storedYxyx[i + 1], storedYxyx[i + 2], storedYxyx[i + 3]];
    stored.set([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], i);
  }
  const perms = anchorSlotPermutations(net, stored, generateDefaultBoxes(net.spec.anchors, net.spec.input.width, net.spec.input.height), manifestPath);
  net.predictors.forEach((p, k) => {
    const bp = `Prediction/BoxPredictor_${k}`;
    const inC = p.cls[0].inChannels;
    const perm = perms[k];
    put(`head${k}/box`, permuteSlots(t(`${bp}/BoxEncodingPredictor/weights`), inC, perm, 4), permuteSlots(t(`${bp}/BoxEncodingPredictor/biases`), 1, perm, 4));
    const cw = t(`${bp}/ClassPredictor/weights`);
    const cb = t(`${bp}/ClassPredictor/biases`);
    if (cw.length !== inC * p.anchorsPerCell * FACE_API_CLASSES) {
      throw new SsdsError(ErrorCodes.MODEL_INVALID, `${manifestPath}: ${bp}/ClassPredictor/weights has ${cw.length} values, expected ${inC}×${p.anchorsPerCell}×3`);
    }
    // Drop face-api's unused third class column so the model has exactly [background, face].
    put(`head${k}/class`, permuteSlots(keepClasses(cw, inC, p.anchorsPerCell, 2), inC, perm, 2), permuteSlots(keepClasses(cb, 1, p.anchorsPerCell, 2), 1, perm, 2));
  });
  return { ...net, weights };
}

/** face-api's stored anchors (`Output/extra_dim`, (A, 4) ymin, xmin, ymax, xmax normalised). */
export function faceApiAnchorsYxyx(manifestPath = faceApiManifestPath()): Float32Array {
  return tensor(readTfjsWeights(manifestPath), 'Output/extra_dim', manifestPath);
}
