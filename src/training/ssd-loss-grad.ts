/**
 * The softmax SSD loss of `ssd-loss.ts` and its gradient with respect to the head outputs, in
 * closed form over typed arrays (Liu et al. 2016, §2.2). With N positives in the batch:
 *
 *   ∂L/∂loc_i = α · smoothL1'(loc_i − t_i) / N              for positives, else 0
 *   ∂L/∂z_i   = (softmax(z_i) − onehot(y_i)) · m_i / N      m_i = 1 for positives and mined negatives
 *
 * where smoothL1'(d) = d/β for |d| < β, else sign(d). The loss is tiny work (B·A·C values), but
 * as a chain of tfjs ops with its autodiff it cost a third of a head-training step on wasm; here
 * it is a couple of passes over small arrays. `ssd-loss.ts` stays the reference (the tests
 * compare the two) and the path for the focal variant.
 */
import { hardNegativeMask, type SsdLossOptions } from './ssd-loss.js';
import { IGNORE_LABEL } from './target-matcher.js';

/** Loss parts and gradients with respect to the raw outputs. */
export interface SsdLossGrad {
  total: number;
  loc: number;
  conf: number;
  /** `(B, A, 4)` ∂total/∂loc. */
  dLoc: Float32Array;
  /** `(B, A, C)` ∂total/∂logits. */
  dLogits: Float32Array;
}

/**
 * Softmax SSD loss and its gradient.
 * @param loc `(B, A, 4)` predicted offsets
 * @param logits `(B, A, C)` class logits
 * @param locTarget `(B, A, 4)` encoded targets
 * @param labels `(B, A)` class, background or IGNORE_LABEL
 */
export function ssdLossGradSoftmax(
  loc: Float32Array,
  logits: Float32Array,
  locTarget: Float32Array,
  labels: Int32Array,
  batch: number,
  anchors: number,
  numClasses: number,
  opts: SsdLossOptions,
): SsdLossGrad {
  const c = numClasses;
  const bg = opts.backgroundClass;
  const beta = opts.smoothL1Beta;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== IGNORE_LABEL && labels[i] !== bg) positives++;
  const norm = Math.max(positives, 1);

  // Softmax probabilities and cross-entropy per default box.
  const prob = new Float32Array(logits.length);
  const ce = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const o = i * c;
    let max = -Infinity;
    for (let k = 0; k < c; k++) if (logits[o + k] > max) max = logits[o + k];
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp(logits[o + k] - max);
      prob[o + k] = e;
      sum += e;
    }
    for (let k = 0; k < c; k++) prob[o + k] /= sum;
    const y = labels[i] === IGNORE_LABEL ? bg : labels[i];
    ce[i] = -(logits[o + y] - max - Math.log(sum));
  }
  const mask = hardNegativeMask(ce, labels, batch, anchors, opts.negPosRatio, bg);

  let conf = 0;
  const dLogits = new Float32Array(logits.length);
  for (let i = 0; i < labels.length; i++) {
    if (mask[i] === 0) continue;
    conf += ce[i];
    const o = i * c;
    const y = labels[i] === IGNORE_LABEL ? bg : labels[i];
    for (let k = 0; k < c; k++) dLogits[o + k] = (prob[o + k] - (k === y ? 1 : 0)) / norm;
  }

  let locSum = 0;
  const dLoc = new Float32Array(loc.length);
  const a = opts.alpha / norm;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === IGNORE_LABEL || labels[i] === bg) continue;
    for (let j = 4 * i; j < 4 * i + 4; j++) {
      const d = loc[j] - locTarget[j];
      const ad = Math.abs(d);
      if (ad < beta) {
        locSum += (0.5 * d * d) / beta;
        dLoc[j] = (a * d) / beta;
      } else {
        locSum += ad - 0.5 * beta;
        dLoc[j] = a * Math.sign(d);
      }
    }
  }
  const locLoss = locSum / norm;
  const confLoss = conf / norm;
  return { total: opts.alpha * locLoss + confLoss, loc: locLoss, conf: confLoss, dLoc, dLogits };
}
