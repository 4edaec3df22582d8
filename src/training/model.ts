/**
 * The tfjs SSD: every layer of an {@link SsdNetwork} (MobileNetV1 backbone, extra layers, box
 * and class predictors, plain or SSDlite) as tfjs variables and ops, with TensorFlow's `same`
 * padding and ReLU6, so it computes what the exported ONNX graph computes. It is the model of
 * the unfrozen training path (meant for `tfjs-node(-gpu)` hosts) and the tfjs side of the export
 * parity check. The fast CPU path trains only the heads (`heads-model.ts`) on cached features.
 */
import * as tf from '@tensorflow/tfjs';
import { allLayers, NETWORK_INPUT, type ConvLayer, type SsdNetwork } from '../models/ssd-network.js';

/** The variables of one layer. */
interface LayerVars {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** A tfjs SSD bound to a network's architecture. */
export interface TfjsSsd {
  net: SsdNetwork;
  vars: Map<string, LayerVars>;
  /** Variables of the trunk (backbone + extra layers). */
  trunkVariables(): tf.Variable[];
  /** Variables of the predictors. */
  headVariables(): tf.Variable[];
  dispose(): void;
}

let instances = 0;

/** Creates variables for every layer, initialised from the network's weights. */
export function createTfjsSsd(net: SsdNetwork): TfjsSsd {
  // tfjs variable names are global: a per-instance prefix lets a parity check build a second
  // model while the trained one (or the heads-only model) still lives.
  const prefix = `ssd${++instances}`;
  const vars = new Map<string, LayerVars>();
  for (const l of allLayers(net)) {
    const k = net.weights.get(`${l.name}/kernel`)!;
    const b = net.weights.get(`${l.name}/bias`)!;
    vars.set(l.name, {
      kernel: tf.variable(tf.tensor(k.data, k.shape), true, `${prefix}/${l.name}/kernel`),
      bias: tf.variable(tf.tensor1d(b.data), true, `${prefix}/${l.name}/bias`),
    });
  }
  const pick = (layers: ConvLayer[]): tf.Variable[] => layers.flatMap((l) => [vars.get(l.name)!.kernel, vars.get(l.name)!.bias]);
  return {
    net,
    vars,
    trunkVariables: () => pick(net.layers),
    headVariables: () => pick(net.predictors.flatMap((p) => [...p.box, ...p.cls])),
    dispose: () => vars.forEach((v) => (v.kernel.dispose(), v.bias.dispose())),
  };
}

/** The in-graph normalisation of the spec on a float NHWC batch of 0..255 pixels. */
export function preprocess(net: SsdNetwork, pixels: tf.Tensor4D): tf.Tensor4D {
  const { pixelScale, mean, std } = net.spec.input;
  return tf.tidy(() => tf.div(tf.sub(tf.mul(pixels, pixelScale), tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D);
}

function applyLayer(m: TfjsSsd, l: ConvLayer, x: tf.Tensor4D): tf.Tensor4D {
  const v = m.vars.get(l.name)!;
  const y =
    l.kind === 'depthwise'
      ? tf.depthwiseConv2d(x, v.kernel as tf.Tensor4D, l.stride, 'same')
      : tf.conv2d(x, v.kernel as tf.Tensor4D, l.stride, 'same');
  const z = tf.add(y, v.bias) as tf.Tensor4D;
  // relu6 as clip: the gradient of clipByValue exists on every backend.
  if (l.activation === 'relu6') return tf.clipByValue(z, 0, 6);
  if (l.activation === 'relu') return tf.relu(z);
  return z;
}

/**
 * Runs the trunk on normalised NHWC input and returns the predictors' source feature maps
 * `(B, H, W, C)` in feature-map order.
 */
export function trunkForward(m: TfjsSsd, input: tf.Tensor4D): tf.Tensor4D[] {
  const values = new Map<string, tf.Tensor4D>([[NETWORK_INPUT, input]]);
  for (const l of m.net.layers) values.set(l.name, applyLayer(m, l, values.get(l.input)!));
  return m.net.predictors.map((p) => values.get(p.source)!);
}

/**
 * The whole network on a float NHWC batch of 0..255 pixels.
 * @returns `loc` `(B, A, 4)` encoded offsets in `spec.boxCoder.order`, `logits` `(B, A, C)`,
 *   anchors in (row, column, anchor) order per map — the default-box generators' order.
 */
export function ssdForward(m: TfjsSsd, pixels: tf.Tensor4D): { loc: tf.Tensor3D; logits: tf.Tensor3D } {
  return tf.tidy(() => {
    const feats = trunkForward(m, preprocess(m.net, pixels));
    const numClasses = m.net.spec.labels.length;
    const locs: tf.Tensor3D[] = [];
    const logits: tf.Tensor3D[] = [];
    m.net.predictors.forEach((p, k) => {
      let box = feats[k];
      for (const l of p.box) box = applyLayer(m, l, box);
      let cls = feats[k];
      for (const l of p.cls) cls = applyLayer(m, l, cls);
      const [b, h, w] = box.shape;
      locs.push(tf.reshape(box, [b, h * w * p.anchorsPerCell, 4]) as tf.Tensor3D);
      logits.push(tf.reshape(cls, [b, h * w * p.anchorsPerCell, numClasses]) as tf.Tensor3D);
    });
    return { loc: tf.concat(locs, 1) as tf.Tensor3D, logits: tf.concat(logits, 1) as tf.Tensor3D };
  });
}

/** Writes the variables' current values back into the network's weights (checkpoint, export). */
export function writeModelInto(m: TfjsSsd, net: SsdNetwork): void {
  for (const [name, v] of m.vars) {
    net.weights.set(`${name}/kernel`, { shape: v.kernel.shape.slice(), data: Float32Array.from(v.kernel.dataSync() as Float32Array) });
    net.weights.set(`${name}/bias`, { shape: v.bias.shape.slice(), data: Float32Array.from(v.bias.dataSync() as Float32Array) });
  }
}
