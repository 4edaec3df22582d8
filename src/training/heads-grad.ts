/**
 * Loss and gradients of the 1×1 heads on frozen features, with the backward pass written out
 * instead of taped. A head is `Y = X·W + b` over the cells of a feature map, so with the loss
 * gradient `dY` (from autodiff of the loss alone, which is cheap elementwise work):
 *
 *   dW = Xᵀ·dY      db = Σ_rows dY
 *
 * Taping the whole forward pass makes tfjs also compute `dX = dY·Wᵀ` for the features — as
 * many multiply-adds as the forward pass, for a gradient nobody uses (the features are frozen) —
 * and keep every intermediate alive. Skipping it makes a head-training step about twice as fast
 * on the wasm and cpu backends (bench/training.ts), and one fused `Xᵀ·[dY_box | dY_cls]`
 * product per map reads the large feature matrix once instead of twice.
 */
import * as tf from '@tensorflow/tfjs';
import { headsForward, type SsdHeads } from './heads-model.js';
import { ssdLoss, type SsdLossOptions } from './ssd-loss.js';

/** Loss parts and gradients keyed by the heads' variable names. */
export interface HeadsGradResult {
  loss: number;
  loc: number;
  conf: number;
  grads: tf.NamedTensorMap;
}

/**
 * Forward, loss and exact head gradients for one batch.
 * @param features per map `(B, H, W, Cin)`
 * @param locTarget `(B, A, 4)`; `labels` `(B, A)` int32
 */
export function headsLossAndGrads(
  heads: SsdHeads,
  features: tf.Tensor4D[],
  locTarget: tf.Tensor3D,
  labels: tf.Tensor2D,
  lossOpts: SsdLossOptions,
): HeadsGradResult {
  const out = headsForward(heads, features);
  let loc = 0;
  let conf = 0;
  const lossGrad = tf.valueAndGrads((l: tf.Tensor, g: tf.Tensor) => {
    const r = ssdLoss(l as tf.Tensor3D, g as tf.Tensor3D, locTarget, labels, lossOpts);
    loc = r.loc.dataSync()[0];
    conf = r.conf.dataSync()[0];
    return r.total;
  });
  const { value, grads: [dLoc, dLogits] } = lossGrad([out.loc, out.logits]);
  const loss = value.dataSync()[0];
  const grads = tf.tidy(() => {
    const named: tf.NamedTensorMap = {};
    let offset = 0;
    features.forEach((f, k) => {
      const [b, h, w, cin] = f.shape;
      const apc = heads.anchorsPerCell[k];
      const n = h * w * apc;
      const c = heads.numClasses;
      const dBox = tf.reshape(tf.slice(dLoc, [0, offset, 0], [b, n, 4]), [b * h * w, apc * 4]);
      const dCls = tf.reshape(tf.slice(dLogits, [0, offset, 0], [b, n, c]), [b * h * w, apc * c]);
      const x = tf.reshape(f, [b * h * w, cin]);
      // (dYᵀ·X)ᵀ with the small dY transposed explicitly: tfjs-wasm's transposeA product of the
      // large (B·H·W, Cin) matrix runs several times slower than a plain one.
      const dW = tf.transpose(tf.matMul(tf.transpose(tf.concat([dBox, dCls], 1)), x)); // (Cin, apc·4 + apc·C)
      const hw = heads.heads[k];
      named[hw.boxKernel.name] = tf.slice(dW, [0, 0], [cin, apc * 4]);
      named[hw.clsKernel.name] = tf.slice(dW, [0, apc * 4], [cin, apc * c]);
      named[hw.boxBias.name] = tf.sum(dBox, 0);
      named[hw.clsBias.name] = tf.sum(dCls, 0);
      offset += n;
    });
    return named;
  });
  tf.dispose([out.loc, out.logits, value, dLoc, dLogits]);
  return { loss, loc, conf, grads };
}
