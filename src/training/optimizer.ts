/**
 * The optimisers of the training loop, written over tfjs ops rather than `tf.train.*` so that
 * the learning rate can follow a schedule per step, weight decay is decoupled (Loshchilov &
 * Hutter 2019: added to the update, not to the gradient, so Adam's scaling does not shrink it),
 * gradients are clipped by their global norm, and the state (momentum, Adam moments, step) can
 * be saved in a checkpoint and restored for `--resume`.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from './checkpoint.js';

/** Optimiser settings. */
export interface OptimizerOptions {
  kind: 'sgd' | 'adam';
  /** SGD momentum (Nesterov off). */
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay per step, as a fraction of lr (kernels only; biases are not decayed). */
  weightDecay: number;
  /** Global gradient-norm clip; 0 disables. */
  clipNorm: number;
}

/** Defaults: SGD momentum 0.9 with the SSD paper's 5e-4 decay; Adam's usual betas. */
export const DEFAULT_OPTIMIZER: Readonly<OptimizerOptions> = Object.freeze({
  kind: 'sgd',
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 5e-4,
  clipNorm: 10,
});

/** An optimiser bound to a fixed list of variables. */
export interface Optimizer {
  readonly options: OptimizerOptions;
  /** Steps taken. */
  readonly step: number;
  /**
   * Applies one update with learning rate `lr`. `grads` are keyed by variable name. Returns the
   * global gradient norm before clipping.
   */
  apply(grads: tf.NamedTensorMap, lr: number): number;
  /** The state as named tensors (for checkpoints). */
  state(): NamedTensor[];
  /** Restores {@link state}; throws when names or shapes do not fit. */
  restore(tensors: NamedTensor[]): void;
  dispose(): void;
}

let optimizers = 0;

/** Creates an optimiser for `variables` (each must have a unique name). */
export function createOptimizer(variables: tf.Variable[], options: Partial<OptimizerOptions> = {}): Optimizer {
  const o: OptimizerOptions = { ...DEFAULT_OPTIMIZER, ...options };
  const slots = o.kind === 'adam' ? ['m', 'v'] : ['momentum'];
  // Slots are named by variable position, not by the (instance-specific) variable name, so a
  // resumed run in a new process finds them again.
  const uid = ++optimizers;
  const slotName = (i: number, s: string): string => `opt/${i}/${s}`;
  const state = new Map<string, tf.Variable[]>(
    variables.map((v, i) => [v.name, slots.map((s) => tf.variable(tf.zerosLike(v), false, `optimizer${uid}/${slotName(i, s)}`))]),
  );
  const stateNames = new Map<tf.Variable, string>();
  variables.forEach((v, i) => state.get(v.name)!.forEach((sv, j) => stateNames.set(sv, slotName(i, slots[j]))));
  // Weight decay on kernels only: decaying biases and the background prior fights the prior.
  const decays = new Map(variables.map((v) => [v.name, v.shape.length > 1]));
  let step = 0;

  return {
    options: o,
    get step() {
      return step;
    },
    apply(grads, lr) {
      step++;
      const names = variables.map((v) => v.name).filter((n) => grads[n] !== undefined);
      const norm = tf.tidy(() => Math.sqrt(names.reduce((s, n) => s + (tf.sum(tf.square(grads[n])).dataSync()[0] as number), 0)));
      const scale = o.clipNorm > 0 && norm > o.clipNorm ? o.clipNorm / norm : 1;
      tf.tidy(() => {
        for (const v of variables) {
          const g0 = grads[v.name];
          if (!g0) continue;
          const g = scale === 1 ? g0 : tf.mul(g0, scale);
          const s = state.get(v.name)!;
          let update: tf.Tensor;
          if (o.kind === 'adam') {
            s[0].assign(tf.add(tf.mul(s[0], o.beta1), tf.mul(g, 1 - o.beta1)));
            s[1].assign(tf.add(tf.mul(s[1], o.beta2), tf.mul(tf.square(g), 1 - o.beta2)));
            const mHat = tf.div(s[0], 1 - o.beta1 ** step);
            const vHat = tf.div(s[1], 1 - o.beta2 ** step);
            update = tf.div(mHat, tf.add(tf.sqrt(vHat), o.epsilon));
          } else {
            s[0].assign(tf.add(tf.mul(s[0], o.momentum), g));
            update = s[0];
          }
          let next = tf.sub(v, tf.mul(update, lr));
          if (o.weightDecay > 0 && decays.get(v.name)) next = tf.sub(next, tf.mul(v, lr * o.weightDecay));
          v.assign(next);
        }
      });
      return norm;
    },
    state() {
      const out: NamedTensor[] = [{ name: '__step', shape: [1], data: Float32Array.of(step) }];
      for (const [, vs] of state) for (const s of vs) out.push({ name: stateNames.get(s)!, shape: s.shape.slice(), data: Float32Array.from(s.dataSync() as Float32Array) });
      return out;
    },
    restore(tensors) {
      const byName = new Map(tensors.map((t) => [t.name, t]));
      step = byName.get('__step')?.data[0] ?? 0;
      for (const [, vs] of state) {
        for (const s of vs) {
          const name = stateNames.get(s)!;
          const t = byName.get(name);
          if (!t) throw new Error(`optimizer state ${name} is missing`);
          if (t.shape.join(',') !== s.shape.join(',')) throw new Error(`optimizer state ${name}: shape [${t.shape}] does not fit [${s.shape}]`);
          s.assign(tf.tensor(t.data, t.shape));
        }
      }
    },
    dispose() {
      for (const [, vs] of state) vs.forEach((s) => s.dispose());
    },
  };
}

/** Learning-rate schedule: linear warm-up, then cosine decay to `minRatio × lr`. */
export interface LrSchedule {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  minRatio: number;
}

/** The learning rate at `step` (0-based) of {@link LrSchedule}. */
export function learningRateAt(s: LrSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const t = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps));
  return s.lr * (s.minRatio + (1 - s.minRatio) * 0.5 * (1 + Math.cos(Math.PI * t)));
}
