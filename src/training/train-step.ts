/**
 * One optimisation step and one prediction pass, for the two ways a run trains: the heads on
 * cached trunk features (fast CPU path) or the whole tfjs SSD on pictures (unfrozen).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSample } from './augment/sample.js';
import { stackFeatures, type CachedFeatures, type FeatureShapes } from './feature-cache.js';
import { headsLossAndGrads } from './heads-grad.js';
import { headsForward, type SsdHeads } from './heads-model.js';
import { ssdForward, type TfjsSsd } from './model.js';
import type { Optimizer } from './optimizer.js';
import { ssdLoss, type SsdLossOptions } from './ssd-loss.js';
import type { SampleTargets } from './train-data.js';

/** Loss parts of one step (means over the batch's positives). */
export interface StepResult {
  loss: number;
  loc: number;
  conf: number;
  gradNorm: number;
}

function targetTensors(targets: readonly SampleTargets[]): { loc: tf.Tensor3D; labels: tf.Tensor2D } {
  const a = targets[0].labels.length;
  const b = targets.length;
  const offsets = new Float32Array(b * a * 4);
  const labels = new Int32Array(b * a);
  targets.forEach((t, i) => {
    offsets.set(t.offsets, i * a * 4);
    labels.set(t.labels, i * a);
  });
  return { loc: tf.tensor3d(offsets, [b, a, 4]), labels: tf.tensor2d(labels, [b, a], 'int32') };
}

/** Feature tensors `(B, H, W, C)` per map from cached features. */
export function featureTensors(items: readonly CachedFeatures[], shapes: FeatureShapes): tf.Tensor4D[] {
  return shapes.map((s, k) => tf.tensor4d(stackFeatures(items, k), [items.length, s[0], s[1], s[2]]));
}

/** Float NHWC pixels `(B, H, W, 3)` from model samples. */
export function pixelTensor(samples: readonly ModelSample[]): tf.Tensor4D {
  const { width, height } = samples[0].image;
  const per = width * height * 3;
  const data = new Float32Array(samples.length * per);
  samples.forEach((s, i) => {
    const src = s.image.data;
    for (let j = 0, o = i * per; j < per; j++) data[o + j] = src[j];
  });
  return tf.tensor4d(data, [samples.length, height, width, 3]);
}

function step(
  forward: () => { loc: tf.Tensor3D; logits: tf.Tensor3D },
  variables: tf.Variable[],
  targets: readonly SampleTargets[],
  optimizer: Optimizer,
  lossOpts: SsdLossOptions,
  lr: number,
): StepResult {
  const t = targetTensors(targets);
  let loc = 0;
  let conf = 0;
  const { value, grads } = tf.variableGrads(() => {
    const out = forward();
    const l = ssdLoss(out.loc, out.logits, t.loc, t.labels, lossOpts);
    loc = l.loc.dataSync()[0];
    conf = l.conf.dataSync()[0];
    return l.total;
  }, variables);
  const loss = value.dataSync()[0];
  const gradNorm = optimizer.apply(grads, lr);
  value.dispose();
  tf.dispose(grads);
  t.loc.dispose();
  t.labels.dispose();
  return { loss, loc, conf, gradNorm };
}

/** One step of head training on cached views (explicit head gradients, see `heads-grad.ts`). */
export function headsStep(
  heads: SsdHeads,
  shapes: FeatureShapes,
  views: readonly (SampleTargets & { features: CachedFeatures })[],
  optimizer: Optimizer,
  lossOpts: SsdLossOptions,
  lr: number,
): StepResult {
  const feats = featureTensors(views.map((v) => v.features), shapes);
  const t = targetTensors(views);
  try {
    const r = headsLossAndGrads(heads, feats, t.loc, t.labels, lossOpts);
    const gradNorm = optimizer.apply(r.grads, lr);
    tf.dispose(r.grads);
    return { loss: r.loss, loc: r.loc, conf: r.conf, gradNorm };
  } finally {
    tf.dispose([...feats, t.loc, t.labels]);
  }
}

/** One step of whole-network training on model samples. */
export function fullStep(
  model: TfjsSsd,
  samples: readonly ModelSample[],
  targets: readonly SampleTargets[],
  optimizer: Optimizer,
  lossOpts: SsdLossOptions,
  lr: number,
): StepResult {
  const pixels = pixelTensor(samples);
  try {
    return step(() => ssdForward(model, pixels), [...model.trunkVariables(), ...model.headVariables()], targets, optimizer, lossOpts, lr);
  } finally {
    pixels.dispose();
  }
}

/** Raw outputs of one picture: `(A, 4)` offsets and `(A, C)` logits. */
export interface RawOutputs {
  loc: Float32Array;
  logits: Float32Array;
}

function split(loc: tf.Tensor3D, logits: tf.Tensor3D): RawOutputs[] {
  const [b, a, c] = logits.shape;
  const l = loc.dataSync() as Float32Array;
  const g = logits.dataSync() as Float32Array;
  return Array.from({ length: b }, (_, i) => ({ loc: l.slice(i * a * 4, (i + 1) * a * 4), logits: g.slice(i * a * c, (i + 1) * a * c) }));
}

/** Head outputs for cached features, in batches of `batch`. */
export function predictHeads(heads: SsdHeads, shapes: FeatureShapes, items: readonly CachedFeatures[], batch = 8): RawOutputs[] {
  const out: RawOutputs[] = [];
  for (let i = 0; i < items.length; i += batch) {
    const feats = featureTensors(items.slice(i, i + batch), shapes);
    const r = headsForward(heads, feats);
    out.push(...split(r.loc, r.logits));
    tf.dispose([...feats, r.loc, r.logits]);
  }
  return out;
}

/** Whole-network outputs for model samples, in batches of `batch`. */
export function predictFull(model: TfjsSsd, samples: readonly ModelSample[], batch = 4): RawOutputs[] {
  const out: RawOutputs[] = [];
  for (let i = 0; i < samples.length; i += batch) {
    const px = pixelTensor(samples.slice(i, i + batch));
    const r = ssdForward(model, px);
    out.push(...split(r.loc, r.logits));
    tf.dispose([px, r.loc, r.logits]);
  }
  return out;
}
