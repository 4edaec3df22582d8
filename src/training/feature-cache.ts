/**
 * Runs the frozen trunk with ONNX Runtime and keeps its feature maps for head training.
 *
 * Features are cached as uint8 when the source layer ends in ReLU6 (every MobileNetV1-SSD source
 * does): the values lie in [0, 6] by construction, so a fixed step of 6/255 loses at most 0.012
 * per value — noise far below what augmentation adds — and the cache shrinks 4× (0.8 MB instead
 * of 3.3 MB per picture at 512×512), which is what lets several augmented variants of every
 * picture stay in memory. Other activations are kept as float32.
 */
import ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import { layerShapes, type SsdNetwork } from '../models/ssd-network.js';
import { buildSsdFeatureOnnx, featureOutputNames } from '../onnx/ssd-feature-graph.js';

/** Step of the uint8 feature code: ReLU6 range over 255 levels. */
export const FEATURE_STEP = 6 / 255;

/** The feature maps of one picture. */
export interface CachedFeatures {
  /** Per feature map: uint8 codes (value = code × FEATURE_STEP) or float32 values, (H, W, C). */
  maps: (Uint8Array | Float32Array)[];
}

/** `[H, W, C]` of each feature map. */
export type FeatureShapes = [number, number, number][];

/** The frozen trunk as an ONNX Runtime session. */
export interface FeatureExtractor {
  shapes: FeatureShapes;
  /** Runs a batch of rgb24 pictures at the model input size; returns their cached features. */
  extract(images: readonly Uint8Array[]): Promise<CachedFeatures[]>;
  close(): Promise<void>;
}

/** Feature-map shapes of a network (the predictors' sources). */
export function featureShapes(net: SsdNetwork): FeatureShapes {
  const s = layerShapes(net);
  return net.predictors.map((p) => s.get(p.source)!);
}

/** Opens the trunk of `net` in ONNX Runtime (CPU, `threads` intra-op threads: default all cores). */
export async function createFeatureExtractor(net: SsdNetwork, threads = availableParallelism()): Promise<FeatureExtractor> {
  const bytes = buildSsdFeatureOnnx(net);
  const session: InferenceSession = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const shapes = featureShapes(net);
  const quantise = net.predictors.map((p) => net.layers.find((l) => l.name === p.source)?.activation === 'relu6');
  const names = featureOutputNames(shapes.length);
  const { width, height } = net.spec.input;
  return {
    shapes,
    async extract(images) {
      const n = images.length;
      const input = new Uint8Array(n * width * height * 3);
      images.forEach((img, i) => input.set(img, i * width * height * 3));
      const out = await session.run({ image: new ort.Tensor('uint8', input, [n, height, width, 3]) });
      const result: CachedFeatures[] = Array.from({ length: n }, () => ({ maps: [] }));
      names.forEach((name, k) => {
        const data = out[name].data as Float32Array;
        const per = shapes[k][0] * shapes[k][1] * shapes[k][2];
        for (let i = 0; i < n; i++) {
          const src = data.subarray(i * per, (i + 1) * per);
          result[i].maps.push(quantise[k] ? encodeFeatures(src) : Float32Array.from(src));
        }
      });
      for (const t of Object.values(out)) t.dispose?.();
      return result;
    },
    close: () => session.release(),
  };
}

/** ReLU6 values → uint8 codes (rounded to the nearest step). */
export function encodeFeatures(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  const inv = 1 / FEATURE_STEP;
  for (let i = 0; i < values.length; i++) {
    const q = Math.round(values[i] * inv);
    out[i] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
  return out;
}

/**
 * Stacks feature map `k` of several pictures into one float32 `(B, H, W, C)` buffer, decoding
 * uint8 codes.
 */
export function stackFeatures(items: readonly CachedFeatures[], k: number): Float32Array {
  const per = items[0].maps[k].length;
  const out = new Float32Array(items.length * per);
  items.forEach((f, i) => {
    const m = f.maps[k];
    if (m instanceof Float32Array) out.set(m, i * per);
    else for (let j = 0, o = i * per; j < per; j++) out[o + j] = m[j] * FEATURE_STEP;
  });
  return out;
}
