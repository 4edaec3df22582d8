/**
 * The SSD training loss (Liu et al. 2016, §2.2 "Training objective" and "Hard negative mining"):
 * Smooth L1 on the encoded offsets of positive default boxes plus softmax cross-entropy on the
 * classes, where only the hardest negatives (highest confidence loss) are kept at `negPosRatio`
 * negatives per positive; both summed and divided by the number of positives, `alpha` weighting
 * the localisation part. A sigmoid focal loss (Lin et al. 2017) replaces the confidence part as an
 * option; it uses every non-ignored default box and needs no mining.
 */
import * as tf from '@tensorflow/tfjs';
import { IGNORE_LABEL } from './target-matcher.js';

/** Loss settings. */
export interface SsdLossOptions {
  /** Weight of the localisation loss (paper: 1). */
  alpha: number;
  /** Hard negatives kept per positive (paper: 3). */
  negPosRatio: number;
  confidence: 'softmax' | 'focal';
  /** Focal loss α and γ (Lin et al.: 0.25, 2). */
  focalAlpha: number;
  focalGamma: number;
  /** Smooth L1 transition point (paper and torchvision: 1). */
  smoothL1Beta: number;
  backgroundClass: number;
}

/** Paper defaults. */
export const DEFAULT_LOSS_OPTIONS: SsdLossOptions = {
  alpha: 1,
  negPosRatio: 3,
  confidence: 'softmax',
  focalAlpha: 0.25,
  focalGamma: 2,
  smoothL1Beta: 1,
  backgroundClass: 0,
};

/** The loss and its parts (scalars). */
export interface SsdLoss {
  total: tf.Scalar;
  loc: tf.Scalar;
  conf: tf.Scalar;
}

/**
 * Which negatives take part in the softmax loss: per image, the `negPosRatio × positives`
 * negatives with the highest cross-entropy (at least one image's worth when it has no positive
 * would be noise, so images without positives contribute no negatives, as in the paper's
 * per-image ratio). Runs on plain arrays: the mask is a constant for the gradient.
 * @param ce `(B, A)` cross-entropy per default box
 * @param labels `(B, A)` matched class, background or IGNORE_LABEL
 * @returns `(B, A)` 1 for positives and mined negatives, 0 otherwise
 */
export function hardNegativeMask(
  ce: Float32Array,
  labels: Int32Array,
  batch: number,
  anchors: number,
  negPosRatio: number,
  backgroundClass: number,
): Float32Array {
  const mask = new Float32Array(batch * anchors);
  const order: number[] = [];
  for (let b = 0; b < batch; b++) {
    const off = b * anchors;
    let pos = 0;
    order.length = 0;
    for (let i = 0; i < anchors; i++) {
      const l = labels[off + i];
      if (l === IGNORE_LABEL) continue;
      if (l === backgroundClass) order.push(i);
      else {
        mask[off + i] = 1;
        pos++;
      }
    }
    const k = Math.min(order.length, negPosRatio * pos);
    if (k === 0) continue;
    order.sort((x, y) => ce[off + y] - ce[off + x]);
    for (let n = 0; n < k; n++) mask[off + order[n]] = 1;
  }
  return mask;
}

/**
 * The SSD loss of a batch.
 * @param locPred `(B, A, 4)` predicted offsets
 * @param clsLogits `(B, A, C)` class logits (background column included)
 * @param locTarget `(B, A, 4)` encoded offsets from the matcher
 * @param labels `(B, A)` int32 labels from the matcher
 */
export function ssdLoss(
  locPred: tf.Tensor3D,
  clsLogits: tf.Tensor3D,
  locTarget: tf.Tensor3D,
  labels: tf.Tensor2D,
  opts: SsdLossOptions = DEFAULT_LOSS_OPTIONS,
): SsdLoss {
  return tf.tidy(() => {
    const [batch, anchors, numClasses] = clsLogits.shape;
    const labelData = labels.dataSync() as Int32Array;
    let positives = 0;
    const posMaskData = new Float32Array(batch * anchors);
    const validMaskData = new Float32Array(batch * anchors);
    for (let i = 0; i < labelData.length; i++) {
      const l = labelData[i];
      if (l !== IGNORE_LABEL) validMaskData[i] = 1;
      if (l !== IGNORE_LABEL && l !== opts.backgroundClass) {
        posMaskData[i] = 1;
        positives++;
      }
    }
    const posMask = tf.tensor2d(posMaskData, [batch, anchors]);
    const norm = Math.max(positives, 1);

    // Smooth L1 summed over the 4 offsets of each positive.
    const diff = tf.abs(tf.sub(locPred, locTarget));
    const beta = opts.smoothL1Beta;
    // Written with min() instead of where(less()) so every op has a gradient in tfjs:
    // c = min(|d|, β): ½c²/β + (|d| − c) is ½d²/β below β and |d| − ½β above it.
    const c = tf.minimum(diff, beta);
    const smooth = tf.add(tf.div(tf.mul(0.5, tf.square(c)), beta), tf.sub(diff, c));
    const loc = tf.div(tf.sum(tf.mul(tf.sum(smooth, 2), posMask)), norm) as tf.Scalar;

    // Ignored boxes get label 0 for the one-hot; their mask weight is 0 anyway.
    const safeLabels = tf.tensor2d(
      Int32Array.from(labelData, (l) => (l === IGNORE_LABEL ? opts.backgroundClass : l)),
      [batch, anchors],
      'int32',
    );
    const oneHot = tf.oneHot(safeLabels, numClasses).toFloat() as tf.Tensor3D;
    let conf: tf.Scalar;
    if (opts.confidence === 'softmax') {
      const ce = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(clsLogits)), 2)) as tf.Tensor2D; // (B, A)
      const mined = hardNegativeMask(
        ce.dataSync() as Float32Array,
        labelData,
        batch,
        anchors,
        opts.negPosRatio,
        opts.backgroundClass,
      );
      conf = tf.div(tf.sum(tf.mul(ce, tf.tensor2d(mined, [batch, anchors]))), norm) as tf.Scalar;
    } else {
      // Sigmoid focal loss over the foreground columns; background is "all zeros".
      const p = tf.sigmoid(clsLogits);
      const pt = tf.add(tf.mul(oneHot, p), tf.mul(tf.sub(1, oneHot), tf.sub(1, p)));
      const alphaT = tf.add(tf.mul(oneHot, opts.focalAlpha), tf.mul(tf.sub(1, oneHot), 1 - opts.focalAlpha));
      const bce = tf.neg(tf.log(tf.clipByValue(pt, 1e-7, 1)));
      const fl = tf.mul(tf.mul(alphaT, tf.pow(tf.sub(1, pt), opts.focalGamma)), bce); // (B, A, C)
      const fgCols = tf.tensor1d(
        Float32Array.from({ length: numClasses }, (_, c) => (c === opts.backgroundClass ? 0 : 1)),
      );
      const perBox = tf.sum(tf.mul(fl, fgCols), 2);
      conf = tf.div(tf.sum(tf.mul(perBox, tf.tensor2d(validMaskData, [batch, anchors]))), norm) as tf.Scalar;
    }
    const total = tf.add(tf.mul(opts.alpha, loc), conf) as tf.Scalar;
    return { total, loc, conf };
  });
}
