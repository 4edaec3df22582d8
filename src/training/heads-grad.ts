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
import { ssdLossGradSoftmax } from './ssd-loss-grad.js';

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
  let loc: number;
  let conf: number;
  let loss: number;
  let dLoc: tf.Tensor3D;
  let dLogits: tf.Tensor3D;
  if (lossOpts.confidence === 'softmax') {
    // Closed-form loss gradient over typed arrays (ssd-loss-grad.ts): a third of the step's time
    // as a tfjs op chain.
    const [b, a, c] = out.logits.shape;
    const g = ssdLossGradSoftmax(
      out.loc.dataSync() as Float32Array,
      out.logits.dataSync() as Float32Array,
      locTarget.dataSync() as Float32Array,
      labels.dataSync() as Int32Array,
      b,
      a,
      c,
      lossOpts,
    );
    ({ loc, conf, total: loss } = g);
    dLoc = tf.tensor3d(g.dLoc, [b, a, 4]);
    dLogits = tf.tensor3d(g.dLogits, [b, a, c]);
  } else {
    let l = 0;
    let f = 0;
    const lossGrad = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => {
      const r = ssdLoss(x as tf.Tensor3D, y as tf.Tensor3D, locTarget, labels, lossOpts);
      l = r.loc.dataSync()[0];
      f = r.conf.dataSync()[0];
      return r.total;
    });
    const { value, grads } = lossGrad([out.loc, out.logits]);
    loss = value.dataSync()[0];
    value.dispose();
    [loc, conf] = [l, f];
    [dLoc, dLogits] = grads as [tf.Tensor3D, tf.Tensor3D];
  }
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
  tf.dispose([out.loc, out.logits, dLoc, dLogits]);
  return { loss, loc, conf, grads };
}
