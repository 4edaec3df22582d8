/**
 * Writes an {@link SsdNetwork} as an ssd-stream ONNX model — the project's model contract:
 *
 * - input `image`: uint8 `[N, H, W, 3]` RGB, N dynamic; the graph normalises
 *   (`(x * pixelScale - mean) / std`) and transposes to NCHW itself, so no per-pixel JavaScript
 *   runs per frame (DESIGN decision 3);
 * - output `boxes`: float32 `[N, A, 4]` xyxy normalised to the model input, decoded in-graph
 *   against the default boxes of `spec.anchors` with `spec.boxCoder`;
 * - output `scores`: float32 `[N, A, C]` after `spec.scoreActivation`;
 * - `metadata_props[ssd_stream.spec]`: the JSON spec.
 *
 * The same writer exports the face-api model and the networks the training module fine-tunes.
 */
import { generateDefaultBoxes } from '../ssd/default-boxes.js';
import { SPEC_METADATA_KEY, type ModelSpec } from '../ssd/spec.js';
import {
  NETWORK_INPUT,
  samePadding,
  validateSsdNetwork,
  type ConvLayer,
  type SsdNetwork,
  type WeightTensor,
} from '../models/ssd-network.js';
import { GraphBuilder, onnxTypeCode } from './graph-builder.js';

/** Options of {@link buildSsdOnnx}. */
export interface SsdOnnxOptions {
  /** Default-domain opset (13 by default; 17 also works). */
  opset?: number;
  /** Free text stored as the model's `doc_string`. */
  docString?: string;
  /**
   * Also output the raw heads, `box_encodings` (N, A, 4) in `spec.boxCoder.order` and
   * `class_logits` (N, A, C): for parity checks against a tfjs model and for debugging.
   */
  rawOutputs?: boolean;
  /**
   * Default boxes `(A, 4)` cx,cy,w,h normalised to use instead of generating them from
   * `spec.anchors` — for converted models that store their own anchors. Must have the same count.
   */
  anchorsCxcywh?: Float32Array;
}

/** tfjs conv kernel HWIO `[k, k, I, O]` → ONNX OIHW `[O, I, k, k]`. */
export function hwioToOihw(w: WeightTensor): Float32Array {
  const [kh, kw, ci, co] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = w.data[((y * kw + x) * ci + i) * co + o];
  return out;
}

/** tfjs depthwise kernel HWC1 `[k, k, C, 1]` → ONNX grouped-conv `[C, 1, k, k]`. */
export function hwc1ToC1hw(w: WeightTensor): Float32Array {
  const [kh, kw, c] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++) for (let ch = 0; ch < c; ch++) out[(ch * kh + y) * kw + x] = w.data[(y * kw + x) * c + ch];
  return out;
}

/** Normalisation and layout change: uint8 NHWC → float NCHW. Returns the NCHW value name. */
export function addPreprocess(g: GraphBuilder, spec: ModelSpec): string {
  const { width, height, pixelScale, mean, std } = spec.input;
  const image = g.input('image', 'uint8', ['N', height, width, 3]);
  let x = g.node('Cast', [image], { to: onnxTypeCode('float32') }, 'image_float');
  // Broadcasting over the last (channel) axis while still NHWC keeps the constants 3-long.
  x = g.node('Mul', [x, g.float('pixel_scale', [], [pixelScale])], {}, 'scaled');
  if (mean.some((m) => m !== 0)) x = g.node('Sub', [x, g.float('mean', [3], mean)], {}, 'centred');
  if (std.some((s) => s !== 1)) x = g.node('Div', [x, g.float('std', [3], std)], {}, 'normalised');
  return g.node('Transpose', [x], { perm: [0, 3, 1, 2] }, 'nchw');
}

/** One convolution layer with its activation. Returns the output value name. */
export function addConv(
  g: GraphBuilder,
  net: SsdNetwork,
  l: ConvLayer,
  input: string,
  inHw: [number, number],
  relu6Bounds: readonly [string, string],
): string {
  const kernel = net.weights.get(`${l.name}/kernel`)!;
  const bias = net.weights.get(`${l.name}/bias`)!;
  const ph = samePadding(inHw[0], l.kernel, l.stride);
  const pw = samePadding(inHw[1], l.kernel, l.stride);
  const depthwise = l.kind === 'depthwise';
  const w = depthwise
    ? g.float(`${l.name}/kernel`, [l.inChannels, 1, l.kernel, l.kernel], hwc1ToC1hw(kernel))
    : g.float(`${l.name}/kernel`, [l.outChannels, l.inChannels, l.kernel, l.kernel], hwioToOihw(kernel));
  const b = g.float(`${l.name}/bias`, [l.outChannels], bias.data);
  let y = g.node(
    'Conv',
    [input, w, b],
    {
      kernel_shape: [l.kernel, l.kernel],
      strides: [l.stride, l.stride],
      // ONNX pads are [top, left, bottom, right]; TF `same` puts the odd pixel at the end.
      pads: [ph.begin, pw.begin, ph.end, pw.end],
      group: depthwise ? l.inChannels : 1,
    },
    l.name,
  );
  if (l.activation === 'relu6') {
    y = g.node('Clip', [y, relu6Bounds[0], relu6Bounds[1]], {}, `${l.name}/relu6`);
  } else if (l.activation === 'relu') {
    y = g.node('Relu', [y], {}, `${l.name}/relu`);
  }
  return y;
}

/**
 * Decodes `(N, A, 4)` encoded offsets against constant anchors (A, 4) cxcywh into xyxy,
 * following the centre-size coding of the SSD paper (§2.2, with variances) and of the TF OD API
 * (`faster_rcnn_box_coder`, scale factors = 1 / variances).
 */
export function addDecode(g: GraphBuilder, spec: ModelSpec, encoded: string, anchorsCxcywh: Float32Array): string {
  const a = anchorsCxcywh.length / 4;
  const { order, variances, maxLogSize } = spec.boxCoder;
  // Bring the slots into (x, y, w, h) order and apply the variances in one Mul.
  let t = encoded;
  let v = variances as readonly number[];
  if (order === 'yxhw') {
    t = g.node('Gather', [t, g.int64('yxhw_to_xywh', [4], [1, 0, 3, 2])], { axis: 2 }, 'encoded_xywh');
    v = [variances[1], variances[0], variances[3], variances[2]];
  }
  t = g.node('Mul', [t, g.float('variances', [4], v)], {}, 'scaled_offsets');
  const axes = g.int64('last_axis', [1], [2]);
  const dxy = g.node('Slice', [t, g.int64('xy_start', [1], [0]), g.int64('xy_end', [1], [2]), axes], {}, 'dxy');
  let dwh = g.node('Slice', [t, g.int64('wh_start', [1], [2]), g.int64('wh_end', [1], [4]), axes], {}, 'dwh');
  if (maxLogSize !== undefined) dwh = g.node('Min', [dwh, g.float('max_log_size', [], [maxLogSize])], {}, 'dwh_clamped');
  const axy = new Float32Array(a * 2);
  const awh = new Float32Array(a * 2);
  for (let i = 0; i < a; i++) {
    axy[i * 2] = anchorsCxcywh[i * 4];
    axy[i * 2 + 1] = anchorsCxcywh[i * 4 + 1];
    awh[i * 2] = anchorsCxcywh[i * 4 + 2];
    awh[i * 2 + 1] = anchorsCxcywh[i * 4 + 3];
  }
  const anchorXy = g.float('anchors_cxcy', [a, 2], axy);
  const anchorWh = g.float('anchors_wh', [a, 2], awh);
  const cxy = g.node('Add', [g.node('Mul', [dxy, anchorWh]), anchorXy], {}, 'centre_xy');
  const halfWh = g.node('Mul', [g.node('Mul', [g.node('Exp', [dwh]), anchorWh]), g.float('half', [], [0.5])], {}, 'half_wh');
  const p1 = g.node('Sub', [cxy, halfWh], {}, 'x1y1');
  const p2 = g.node('Add', [cxy, halfWh], {}, 'x2y2');
  return g.node('Concat', [p1, p2], { axis: 2 }, 'boxes_xyxy');
}

/**
 * The ssd-stream outputs from the per-feature-map head values (each `(N, cells·anchors, 4 | C)`):
 * concatenated, decoded against the default boxes and activated as `boxes` and `scores`.
 * Shared by the float and the INT8 writers. Returns the raw concatenations too.
 */
export function addSsdOutputs(
  g: GraphBuilder,
  spec: ModelSpec,
  boxParts: string[],
  clsParts: string[],
  anchorsCxcywh: Float32Array,
): { encoded: string; logits: string } {
  const total = anchorsCxcywh.length / 4;
  const encoded = boxParts.length === 1 ? boxParts[0] : g.node('Concat', boxParts, { axis: 1 }, 'all_box_encodings');
  const logits = clsParts.length === 1 ? clsParts[0] : g.node('Concat', clsParts, { axis: 1 }, 'all_class_logits');
  const boxes = addDecode(g, spec, encoded, anchorsCxcywh);
  let scores = logits;
  if (spec.scoreActivation === 'sigmoid') scores = g.node('Sigmoid', [logits], {}, 'class_scores');
  else if (spec.scoreActivation === 'softmax') scores = g.node('Softmax', [logits], { axis: -1 }, 'class_scores');
  g.output(boxes, 'boxes', 'float32', ['N', total, 4]);
  g.output(scores, 'scores', 'float32', ['N', total, spec.labels.length]);
  return { encoded, logits };
}

/**
 * Builds the ONNX model bytes of a network. Throws an `Error` naming the layer or weight at
 * fault when the network is inconsistent (see `validateSsdNetwork`).
 */
export function buildSsdOnnx(net: SsdNetwork, opts: SsdOnnxOptions = {}): Uint8Array {
  const shapes = validateSsdNetwork(net);
  const { spec } = net;
  const numClasses = spec.labels.length;
  const anchors = opts.anchorsCxcywh ?? generateDefaultBoxes(spec.anchors, spec.input.width, spec.input.height); // (A, 4) cxcywh
  const total = net.predictors.reduce((s, p, k) => s + p.anchorsPerCell * spec.anchors.featureMaps[k][0] * spec.anchors.featureMaps[k][1], 0);
  if (anchors.length !== total * 4) {
    throw new Error(`the predictors make ${total} boxes, but there are ${anchors.length / 4} default boxes`);
  }

  const g = new GraphBuilder(spec.name);
  const values = new Map<string, string>([[NETWORK_INPUT, addPreprocess(g, spec)]]);
  const hw = (name: string): [number, number] => {
    const s = shapes.get(name)!;
    return [s[0], s[1]];
  };
  const relu6Bounds = [g.float('relu6_min', [], [0]), g.float('relu6_max', [], [6])] as const;
  const run = (l: ConvLayer): string => {
    const y = addConv(g, net, l, values.get(l.input)!, hw(l.input), relu6Bounds);
    values.set(l.name, y);
    return y;
  };
  net.layers.forEach(run);

  const boxParts: string[] = [];
  const clsParts: string[] = [];
  const boxShape = g.int64('box_shape', [3], [0, -1, 4]);
  const clsShape = g.int64('class_shape', [3], [0, -1, numClasses]);
  net.predictors.forEach((p, k) => {
    let box = '';
    for (const l of p.box) box = run(l);
    let cls = '';
    for (const l of p.cls) cls = run(l);
    // NCHW → NHWC, then (N, H*W*anchors, 4 | C): the anchor order is (row, column, anchor),
    // which is the order the default-box generators emit.
    const boxNhwc = g.node('Transpose', [box], { perm: [0, 2, 3, 1] }, `head${k}/box_nhwc`);
    const clsNhwc = g.node('Transpose', [cls], { perm: [0, 2, 3, 1] }, `head${k}/class_nhwc`);
    boxParts.push(g.node('Reshape', [boxNhwc, boxShape], {}, `head${k}/box_encodings`));
    clsParts.push(g.node('Reshape', [clsNhwc, clsShape], {}, `head${k}/class_logits`));
  });
  const { encoded, logits } = addSsdOutputs(g, spec, boxParts, clsParts, anchors);
  if (opts.rawOutputs) {
    g.output(encoded, 'box_encodings', 'float32', ['N', anchors.length / 4, 4]);
    g.output(logits, 'class_logits', 'float32', ['N', anchors.length / 4, spec.labels.length]);
  }
  return g.toBytes({
    opset: opts.opset ?? 13,
    docString: opts.docString ?? `ssd-stream SSD "${spec.name}"`,
    metadata: { [SPEC_METADATA_KEY]: JSON.stringify(spec) },
  });
}
