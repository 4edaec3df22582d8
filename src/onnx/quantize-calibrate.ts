/**
 * Activation ranges for INT8 quantisation, calibrated on real pictures: every convolution's
 * output (after its activation) is made a graph output of a trunk graph
 * (`ssd-feature-graph.ts`, NCHW), run in ONNX Runtime over the calibration pictures, and its
 * running min/max kept. Min/max (rather than a percentile) because ReLU6 already bounds the
 * MobileNet activations, so outliers cannot stretch the range far.
 */
import ort from 'onnxruntime-node';
import { allLayers, type SsdNetwork } from '../models/ssd-network.js';
import { buildSsdFeatureOnnx, featureOutputNames } from './ssd-feature-graph.js';

/** Observed range of one tensor. */
export interface ActivationRange {
  min: number;
  max: number;
}

/**
 * Calibrates the output range of every layer of `net` on `pictures` (rgb24 at the input size).
 * Returns ranges by layer name.
 */
export async function calibrateActivations(net: SsdNetwork, pictures: readonly Uint8Array[], batch = 4): Promise<Map<string, ActivationRange>> {
  if (pictures.length === 0) throw new Error('calibration needs at least one picture');
  const layers = allLayers(net).map((l) => l.name);
  const bytes = buildSsdFeatureOnnx(net, { layers, layout: 'nchw' });
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const names = featureOutputNames(layers.length);
  const ranges = new Map<string, ActivationRange>(layers.map((l) => [l, { min: Infinity, max: -Infinity }]));
  const { width, height } = net.spec.input;
  try {
    for (let i = 0; i < pictures.length; i += batch) {
      const chunk = pictures.slice(i, i + batch);
      const input = new Uint8Array(chunk.length * width * height * 3);
      chunk.forEach((p, j) => input.set(p, j * width * height * 3));
      const out = await session.run({ image: new ort.Tensor('uint8', input, [chunk.length, height, width, 3]) });
      names.forEach((n, k) => {
        const r = ranges.get(layers[k])!;
        const d = out[n].data as Float32Array;
        for (let j = 0; j < d.length; j++) {
          const v = d[j];
          if (v < r.min) r.min = v;
          if (v > r.max) r.max = v;
        }
      });
    }
  } finally {
    await session.release();
  }
  return ranges;
}
