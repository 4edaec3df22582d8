/**
 * The trainable part of an SSD when the backbone and extra layers are frozen: the box and class
 * predictors of every feature map. The fast CPU path keeps them 1×1 convolutions, which are
 * matrix products over the feature vectors of all cells: `(B·H·W, Cin) × (Cin, anchors·k)`.
 * Written that way they train on any tfjs backend, including wasm, which has no convolution
 * gradient kernels, and they map one-to-one back onto the network's conv weights for export.
 */
import * as tf from '@tensorflow/tfjs';
import type { Predictor, SsdNetwork } from '../models/ssd-network.js';

/** Trainable weights of one feature map's predictors. */
export interface HeadWeights {
  boxKernel: tf.Variable<tf.Rank.R2>; // (Cin, anchors·4)
  boxBias: tf.Variable<tf.Rank.R1>;
  clsKernel: tf.Variable<tf.Rank.R2>; // (Cin, anchors·C)
  clsBias: tf.Variable<tf.Rank.R1>;
}

/** All heads of a network, in feature-map order. */
export interface SsdHeads {
  heads: HeadWeights[];
  anchorsPerCell: number[];
  numClasses: number;
  variables(): tf.Variable[];
  dispose(): void;
}

/** True when every predictor is a single 1×1 conv for boxes and for classes. */
export function headsAreMatmuls(net: SsdNetwork): boolean {
  return net.predictors.every((p) => p.box.length === 1 && p.cls.length === 1 && p.box[0].kernel === 1 && p.cls[0].kernel === 1);
}

function kernel2d(net: SsdNetwork, layer: string): { data: Float32Array; cin: number; cout: number } {
  const w = net.weights.get(`${layer}/kernel`)!;
  // HWIO with H = W = 1 is already (Cin, Cout) row-major.
  return { data: w.data, cin: w.shape[2], cout: w.shape[3] };
}

/**
 * Variables initialised from the network's current predictor weights (a pretrained base, or a
 * checkpoint). Only 1×1 heads are supported here; see {@link headsAreMatmuls}.
 */
export function createHeads(net: SsdNetwork): SsdHeads {
  if (!headsAreMatmuls(net)) throw new Error('the fast training path needs 1×1 box and class predictors');
  const numClasses = net.spec.labels.length;
  const heads = net.predictors.map((p: Predictor, k): HeadWeights => {
    const box = kernel2d(net, p.box[0].name);
    const cls = kernel2d(net, p.cls[0].name);
    return {
      boxKernel: tf.variable(tf.tensor2d(box.data, [box.cin, box.cout]), true, `head${k}/box/kernel`),
      boxBias: tf.variable(tf.tensor1d(net.weights.get(`${p.box[0].name}/bias`)!.data), true, `head${k}/box/bias`),
      clsKernel: tf.variable(tf.tensor2d(cls.data, [cls.cin, cls.cout]), true, `head${k}/cls/kernel`),
      clsBias: tf.variable(tf.tensor1d(net.weights.get(`${p.cls[0].name}/bias`)!.data), true, `head${k}/cls/bias`),
    };
  });
  return {
    heads,
    anchorsPerCell: net.predictors.map((p) => p.anchorsPerCell),
    numClasses,
    variables: () => heads.flatMap((h) => [h.boxKernel, h.boxBias, h.clsKernel, h.clsBias]),
    dispose: () => heads.forEach((h) => [h.boxKernel, h.boxBias, h.clsKernel, h.clsBias].forEach((v) => v.dispose())),
  };
}

/**
 * Forward pass of the heads.
 * @param features per feature map `(B, H, W, Cin)` NHWC, as the frozen part produced them
 * @returns `loc` `(B, A, 4)` encoded offsets and `logits` `(B, A, C)`, anchors in (row, column,
 *   anchor) order per map, maps concatenated — the default-box generators' order.
 */
export function headsForward(m: SsdHeads, features: tf.Tensor4D[]): { loc: tf.Tensor3D; logits: tf.Tensor3D } {
  return tf.tidy(() => {
    const locs: tf.Tensor3D[] = [];
    const logits: tf.Tensor3D[] = [];
    features.forEach((f, k) => {
      const [b, h, w, c] = f.shape;
      const flat = tf.reshape(f, [b * h * w, c]) as tf.Tensor2D;
      const h_ = m.heads[k];
      const loc = tf.add(tf.matMul(flat, h_.boxKernel), h_.boxBias);
      const cls = tf.add(tf.matMul(flat, h_.clsKernel), h_.clsBias);
      locs.push(tf.reshape(loc, [b, h * w * m.anchorsPerCell[k], 4]) as tf.Tensor3D);
      logits.push(tf.reshape(cls, [b, h * w * m.anchorsPerCell[k], m.numClasses]) as tf.Tensor3D);
    });
    return {
      loc: (locs.length === 1 ? locs[0] : tf.concat(locs, 1)) as tf.Tensor3D,
      logits: (logits.length === 1 ? logits[0] : tf.concat(logits, 1)) as tf.Tensor3D,
    };
  });
}

/** Writes the trained head weights back into `net` (for checkpoints and ONNX export). */
export function writeHeadsInto(m: SsdHeads, net: SsdNetwork): void {
  net.predictors.forEach((p, k) => {
    const h = m.heads[k];
    const set = (layer: string, kernel: tf.Variable, bias: tf.Variable) => {
      const w = net.weights.get(`${layer}/kernel`)!;
      net.weights.set(`${layer}/kernel`, { shape: w.shape, data: kernel.dataSync() as Float32Array });
      net.weights.set(`${layer}/bias`, { shape: [bias.shape[0]], data: bias.dataSync() as Float32Array });
    };
    set(p.box[0].name, h.boxKernel, h.boxBias);
    set(p.cls[0].name, h.clsKernel, h.clsBias);
  });
}
