/**
 * The network a training run starts from (`train --base`):
 *
 * - `face`: transfer learning from face-api's SSD MobileNetV1 — its backbone and extra layers
 *   (pretrained features), its box predictors (a box regressor that already knows the anchor
 *   layout), and NEW class predictors for the user's classes: softmax with background in column
 *   0, weights near zero and a bias prior that says "background" with probability 1 − π, so the
 *   first steps are not swamped by thousands of confident false positives (Lin et al. 2017,
 *   §3.3 "Initialization", applied to softmax). The input geometry and normalisation stay
 *   face-api's (pad to a square, [-1, 1]); the input size may be lowered for speed, because the
 *   network is fully convolutional and the anchors are relative.
 * - a checkpoint (`runs/x/best`): continues from it; when the class list differs, the class
 *   predictors are replaced as for `face`.
 */
import { ErrorCodes, SsdsError } from '../errors.js';
import { faceApiSsdNetwork } from '../models/face-ssd-mobilenetv1.js';
import { createMobilenetV1Ssd } from '../models/mobilenet-v1-ssd.js';
import type { SsdNetwork, WeightTensor } from '../models/ssd-network.js';
import { validateSsdNetwork } from '../models/ssd-network.js';
import { createRng } from './augment/rng.js';
import { isCheckpoint, loadCheckpoint, type Checkpoint } from './checkpoint.js';

/** Options of {@link createBaseNetwork}. */
export interface BaseNetworkOptions {
  /** `face` or a checkpoint path. */
  base: string;
  /** The user's class names (no background). */
  classes: readonly string[];
  /** Square input size in pixels for `--base face` (default: face-api's 512). */
  inputSize?: number;
  /** Name written into the spec. */
  name?: string;
  /** Prior probability π of a foreground class at initialisation. */
  prior?: number;
  /** Seed of the new class heads' initialisation. */
  seed?: number;
}

/** The starting network, and the checkpoint when it came from one. */
export interface BaseNetwork {
  net: SsdNetwork;
  checkpoint?: Checkpoint;
  /** What was reused and what is new (logged at start). */
  description: string;
}

/** Replaces the class predictors of `net` by fresh ones for `labels` (background first). */
export function newClassHeads(net: SsdNetwork, labels: readonly string[], prior = 0.01, seed = 1): SsdNetwork {
  const c = labels.length;
  const rng = createRng(seed);
  const weights = new Map(net.weights);
  // p(background) = 1 − π with every foreground logit 0: e^b / (e^b + C − 1) = 1 − π.
  const bgBias = Math.log(((1 - prior) * (c - 1)) / prior);
  const predictors = net.predictors.map((p) => {
    if (p.cls.length !== 1) throw new SsdsError(ErrorCodes.MODEL_LAYOUT, `predictor on ${p.source}: new class heads need a single class layer`);
    const l = { ...p.cls[0], outChannels: p.anchorsPerCell * c };
    const kernelShape = [l.kernel, l.kernel, l.inChannels, l.outChannels];
    const kernel = new Float32Array(kernelShape.reduce((a, b) => a * b, 1));
    // Small Gaussian weights (σ 0.01, as Lin et al.) via Box–Muller.
    for (let i = 0; i < kernel.length; i++) kernel[i] = 0.01 * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const bias = new Float32Array(l.outChannels);
    for (let a = 0; a < p.anchorsPerCell; a++) bias[a * c] = bgBias;
    weights.set(`${l.name}/kernel`, { shape: kernelShape, data: kernel } satisfies WeightTensor);
    weights.set(`${l.name}/bias`, { shape: [l.outChannels], data: bias });
    return { ...p, cls: [l] };
  });
  const spec = { ...net.spec, labels: [...labels], backgroundIndex: 0, scoreActivation: 'softmax' as const };
  const out: SsdNetwork = { spec, layers: net.layers, predictors, weights };
  validateSsdNetwork(out);
  return out;
}

/** face-api's SSD at `inputSize` (its weights fit any size: every layer is convolutional). */
function faceNetwork(inputSize: number, name: string): SsdNetwork {
  const face = faceApiSsdNetwork(undefined, name);
  if (inputSize === face.spec.input.width) return face;
  const resized = createMobilenetV1Ssd({
    name,
    inputSize,
    labels: [...face.spec.labels],
    spec: { input: { ...face.spec.input, width: inputSize, height: inputSize }, postprocess: face.spec.postprocess },
  });
  return { ...resized, weights: face.weights };
}

/** Builds the starting network (see the module doc). */
export function createBaseNetwork(opts: BaseNetworkOptions): BaseNetwork {
  const labels = ['background', ...opts.classes];
  const name = opts.name ?? 'ssd-finetuned';
  if (opts.base === 'face') {
    const size = opts.inputSize ?? 512;
    if (size % 32 !== 0 || size < 64) throw new SsdsError(ErrorCodes.CONFIG_INVALID, `--input-size ${size}: use a multiple of 32, at least 64`);
    const net = newClassHeads(faceNetwork(size, name), labels, opts.prior, opts.seed);
    return {
      net: { ...net, spec: { ...net.spec, name, postprocess: { ...net.spec.postprocess, preNmsTopK: 400 } } },
      description: `face-api SSD MobileNetV1 at ${size}×${size}: backbone, extra layers and box predictors pretrained; new class predictors for ${opts.classes.join(', ')}`,
    };
  }
  if (!isCheckpoint(opts.base)) {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `--base ${opts.base}: neither "face" nor a checkpoint (expected ${opts.base}.ckpt.json)`);
  }
  const ckpt = loadCheckpoint(opts.base);
  const same = ckpt.net.spec.labels.join('\u0001') === labels.join('\u0001');
  const net = same ? ckpt.net : newClassHeads(ckpt.net, labels, opts.prior, opts.seed);
  return {
    net: { ...net, spec: { ...net.spec, name } },
    checkpoint: ckpt,
    description: same ? `checkpoint ${opts.base} (epoch ${ckpt.state.epoch}), same classes` : `checkpoint ${opts.base}: trunk and box predictors reused, new class predictors for ${opts.classes.join(', ')}`,
  };
}
