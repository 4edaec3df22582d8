/**
 * INT8 export of an SSD in the QDQ format (ONNX `QuantizeLinear`/`DequantizeLinear` pairs
 * around float ops, which ONNX Runtime fuses into integer kernels such as `QLinearConv`):
 *
 * - weights: int8, symmetric, per output channel (axis 0 of the OIHW / C1HW kernel) — a
 *   MobileNet's depthwise filters differ in scale by orders of magnitude, so one scale per
 *   tensor would zero the small ones;
 * - biases: int32 at scale `s_input × s_weight[c]`, zero point 0 (what the fused kernels expect);
 * - activations: uint8, asymmetric, ranges calibrated on the user's pictures. A ReLU6 layer's
 *   range is `[0, min(6, max)]`, so the quantiser's saturation performs the clip and no Clip node
 *   remains between Conv and QuantizeLinear (ONNX Runtime then fuses the whole unit).
 *
 * The input normalisation, the head reshapes, box decoding and score activation stay float, as
 * in {@link buildSsdOnnx}; the model contract (inputs, outputs, spec metadata) is the same.
 */
import { generateDefaultBoxes } from '../ssd/default-boxes.js';
import { SPEC_METADATA_KEY } from '../ssd/spec.js';
import { NETWORK_INPUT, samePadding, validateSsdNetwork, type ConvLayer, type SsdNetwork } from '../models/ssd-network.js';
import { GraphBuilder } from './graph-builder.js';
import type { ActivationRange } from './quantize-calibrate.js';
import { addPreprocess, addSsdOutputs, hwc1ToC1hw, hwioToOihw } from './ssd-graph.js';

/** uint8 affine quantisation parameters of a range (the range is widened to include 0). */
export function uint8Params(r: ActivationRange): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

/**
 * Symmetric per-channel int8 quantisation of a kernel laid out `(O, rest)` row-major.
 * @returns int8 values and one scale per output channel
 */
export function quantizePerChannel(w: Float32Array, channels: number): { q: Int8Array; scales: Float32Array } {
  const per = w.length / channels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(w[i]));
    // An all-zero channel still needs a positive scale.
    const s = m > 0 ? m / 127 : 1;
    scales[c] = s;
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / s)));
  }
  return { q, scales };
}

interface QValue {
  /** Float value (the DequantizeLinear output). */
  name: string;
  scale: number;
}

function qdq(g: GraphBuilder, x: string, r: ActivationRange, base: string): QValue {
  const { scale, zeroPoint } = uint8Params(r);
  const s = g.float(`${base}/act_scale`, [], [scale]);
  const z = g.uint8(`${base}/act_zero`, [], [zeroPoint]);
  const q = g.node('QuantizeLinear', [x, s, z], {}, `${base}/quant`);
  return { name: g.node('DequantizeLinear', [q, s, z], {}, `${base}/dequant`), scale };
}

function addQConv(g: GraphBuilder, net: SsdNetwork, l: ConvLayer, x: QValue, inHw: [number, number], range: ActivationRange): QValue {
  const kernel = net.weights.get(`${l.name}/kernel`)!;
  const bias = net.weights.get(`${l.name}/bias`)!.data;
  const depthwise = l.kind === 'depthwise';
  const oihw = depthwise ? hwc1ToC1hw(kernel) : hwioToOihw(kernel);
  const dims = depthwise ? [l.inChannels, 1, l.kernel, l.kernel] : [l.outChannels, l.inChannels, l.kernel, l.kernel];
  const { q, scales } = quantizePerChannel(oihw, l.outChannels);
  const w = g.node(
    'DequantizeLinear',
    [g.tensor(`${l.name}/kernel_q`, 'int8', dims, q), g.float(`${l.name}/kernel_scale`, [l.outChannels], scales), g.tensor(`${l.name}/kernel_zero`, 'int8', [l.outChannels], new Int8Array(l.outChannels))],
    { axis: 0 },
    `${l.name}/kernel`,
  );
  const biasScale = Float32Array.from(scales, (s) => s * x.scale);
  const biasQ = Int32Array.from(bias, (b, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(b / biasScale[c]))));
  const b = g.node(
    'DequantizeLinear',
    [g.tensor(`${l.name}/bias_q`, 'int32', [l.outChannels], biasQ), g.float(`${l.name}/bias_scale`, [l.outChannels], biasScale), g.tensor(`${l.name}/bias_zero`, 'int32', [l.outChannels], new Int32Array(l.outChannels))],
    { axis: 0 },
    `${l.name}/bias`,
  );
  const ph = samePadding(inHw[0], l.kernel, l.stride);
  const pw = samePadding(inHw[1], l.kernel, l.stride);
  let y = g.node(
    'Conv',
    [x.name, w, b],
    { kernel_shape: [l.kernel, l.kernel], strides: [l.stride, l.stride], pads: [ph.begin, pw.begin, ph.end, pw.end], group: depthwise ? l.inChannels : 1 },
    l.name,
  );
  let r = range;
  if (l.activation === 'relu6') r = { min: 0, max: Math.min(6, Math.max(range.max, 1e-3)) };
  else if (l.activation === 'relu') {
    // Plain ReLU has no upper clip for the quantiser to imitate; keep the node.
    y = g.node('Relu', [y], {}, `${l.name}/relu`);
    r = { min: 0, max: Math.max(range.max, 1e-3) };
  }
  return qdq(g, y, r, l.name);
}

/**
 * Builds the QDQ INT8 ONNX bytes of `net` with calibrated activation `ranges` (by layer name,
 * from `calibrateActivations`). Throws an `Error` naming a layer without a range.
 */
export function buildSsdQdqOnnx(net: SsdNetwork, ranges: ReadonlyMap<string, ActivationRange>, opts: { docString?: string } = {}): Uint8Array {
  const shapes = validateSsdNetwork(net);
  const { spec } = net;
  const numClasses = spec.labels.length;
  const anchors = generateDefaultBoxes(spec.anchors, spec.input.width, spec.input.height);
  const g = new GraphBuilder(`${spec.name}-int8`);
  const { pixelScale, mean, std } = spec.input;
  // The normalised input's range follows from the spec: pixels 0..255 through (x·s − m) / σ.
  const lo = Math.min(...[0, 1, 2].map((c) => (0 - mean[c]) / std[c]));
  const hi = Math.max(...[0, 1, 2].map((c) => (255 * pixelScale - mean[c]) / std[c]));
  const values = new Map<string, QValue>([[NETWORK_INPUT, qdq(g, addPreprocess(g, spec), { min: lo, max: hi }, 'input')]]);
  const run = (l: ConvLayer): QValue => {
    const r = ranges.get(l.name);
    if (!r) throw new Error(`INT8 export: no calibrated range for layer ${l.name}`);
    const s = shapes.get(l.input)!;
    const y = addQConv(g, net, l, values.get(l.input)!, [s[0], s[1]], r);
    values.set(l.name, y);
    return y;
  };
  net.layers.forEach(run);
  const boxShape = g.int64('box_shape', [3], [0, -1, 4]);
  const clsShape = g.int64('class_shape', [3], [0, -1, numClasses]);
  const boxParts: string[] = [];
  const clsParts: string[] = [];
  net.predictors.forEach((p, k) => {
    let box: QValue | undefined;
    for (const l of p.box) box = run(l);
    let cls: QValue | undefined;
    for (const l of p.cls) cls = run(l);
    const boxNhwc = g.node('Transpose', [box!.name], { perm: [0, 2, 3, 1] }, `head${k}/box_nhwc`);
    const clsNhwc = g.node('Transpose', [cls!.name], { perm: [0, 2, 3, 1] }, `head${k}/class_nhwc`);
    boxParts.push(g.node('Reshape', [boxNhwc, boxShape], {}, `head${k}/box_encodings`));
    clsParts.push(g.node('Reshape', [clsNhwc, clsShape], {}, `head${k}/class_logits`));
  });
  addSsdOutputs(g, spec, boxParts, clsParts, anchors);
  return g.toBytes({
    opset: 13,
    docString: opts.docString ?? `ssd-stream SSD "${spec.name}", INT8 (QDQ, per-channel weights, calibrated activations)`,
    metadata: { [SPEC_METADATA_KEY]: JSON.stringify(spec) },
  });
}
