/**
 * The frozen part of an SSD as its own ONNX graph: the same uint8 NHWC `image` input and
 * in-graph normalisation as the full model ({@link buildSsdOnnx}), the backbone and extra layers,
 * and as outputs the feature maps the predictors read (or any other layers, for calibration).
 *
 * The fast CPU fine-tuning path runs this graph with ONNX Runtime once per picture and
 * augmentation and trains only the heads in tfjs on the cached outputs, because ONNX Runtime's
 * convolutions are an order of magnitude faster than anything tfjs runs on a CPU without
 * `tfjs-node`.
 */
import { layerShapes, NETWORK_INPUT, type ConvLayer, type SsdNetwork } from '../models/ssd-network.js';
import { GraphBuilder } from './graph-builder.js';
import { addConv, addPreprocess } from './ssd-graph.js';

/** Options of {@link buildSsdFeatureOnnx}. */
export interface FeatureGraphOptions {
  /**
   * Layers whose outputs become graph outputs `feature0`, `feature1`, ... in this order. Default:
   * the predictors' source layers in feature-map order.
   */
  layers?: readonly string[];
  /** `nhwc` (default: what the tfjs heads read) or the convolutions' own `nchw`. */
  layout?: 'nhwc' | 'nchw';
  /** Default-domain opset (13). */
  opset?: number;
}

/** The feature-graph output names for `count` outputs: `feature0` ... */
export function featureOutputNames(count: number): string[] {
  return Array.from({ length: count }, (_, k) => `feature${k}`);
}

/**
 * Builds the ONNX bytes of the network's trunk up to the requested layers. Predictor layers may
 * be requested too (calibration reads the head outputs). Throws an `Error` naming an unknown
 * layer.
 */
export function buildSsdFeatureOnnx(net: SsdNetwork, opts: FeatureGraphOptions = {}): Uint8Array {
  const shapes = layerShapes(net);
  const wanted = opts.layers ?? net.predictors.map((p) => p.source);
  const all: ConvLayer[] = [...net.layers, ...net.predictors.flatMap((p) => [...p.box, ...p.cls])];
  for (const name of wanted) {
    if (!shapes.has(name) || name === NETWORK_INPUT) throw new Error(`feature graph: layer ${name} is not a layer of ${net.spec.name}`);
  }
  // Only the layers the outputs depend on are written, so a trunk graph carries no head weights.
  const needed = new Set<string>();
  const byName = new Map(all.map((l) => [l.name, l]));
  const stack = [...wanted];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === NETWORK_INPUT || needed.has(n)) continue;
    needed.add(n);
    stack.push(byName.get(n)!.input);
  }

  const g = new GraphBuilder(`${net.spec.name}-features`);
  const values = new Map<string, string>([[NETWORK_INPUT, addPreprocess(g, net.spec)]]);
  const relu6Bounds = [g.float('relu6_min', [], [0]), g.float('relu6_max', [], [6])] as const;
  for (const l of all) {
    if (!needed.has(l.name)) continue;
    const s = shapes.get(l.input)!;
    values.set(l.name, addConv(g, net, l, values.get(l.input)!, [s[0], s[1]], relu6Bounds));
  }
  const names = featureOutputNames(wanted.length);
  wanted.forEach((layer, k) => {
    const [h, w, c] = shapes.get(layer)!;
    if (opts.layout === 'nchw') {
      g.output(values.get(layer)!, names[k], 'float32', ['N', c, h, w]);
    } else {
      const nhwc = g.node('Transpose', [values.get(layer)!], { perm: [0, 2, 3, 1] }, `${names[k]}_nhwc`);
      g.output(nhwc, names[k], 'float32', ['N', h, w, c]);
    }
  });
  return g.toBytes({ opset: opts.opset ?? 13, docString: `trunk of ssd-stream SSD "${net.spec.name}" (feature maps)` });
}
