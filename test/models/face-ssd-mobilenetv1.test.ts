import { copyFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSsdsError } from '../../src/errors.js';
import { readTfjsWeights } from '../../src/models/face-api-weights.js';
import {
  faceApiAnchorsYxyx,
  faceApiManifestPath,
  faceApiSsdNetwork,
  faceSsdMobilenetV1Spec,
} from '../../src/models/face-ssd-mobilenetv1.js';
import { createMobilenetV1Ssd, mobilenetV1FeatureMaps } from '../../src/models/mobilenet-v1-ssd.js';
import { validateSsdNetwork } from '../../src/models/ssd-network.js';
import { generateDefaultBoxes } from '../../src/ssd/default-boxes.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isSsdsError(e) ? e.code : `not an SsdsError: ${String(e)}`;
  }
  return undefined;
}

describe('face-api weights', () => {
  it('reads every tensor of the manifest, dequantising uint8 floats and int32 constants', () => {
    const w = readTfjsWeights(faceApiManifestPath());
    expect(w.size).toBe(151);
    // Stored as q = 0 with min = the value (manifest facts).
    expect(w.get('Preprocessor/mul/x')!.data[0]).toBeCloseTo(0.007843137718737125, 9);
    expect(w.get('Postprocessor/stack/1')).toMatchObject({ dtype: 'int32', shape: [] });
    expect(w.get('Postprocessor/stack/1')!.data[0]).toBe(5118);
    const anchors = w.get('Output/extra_dim')!;
    expect(anchors.shape).toEqual([1, 5118, 4]);
    // Unquantised float32: anchors are boxes inside (slightly around) the unit square.
    expect(Math.max(...anchors.data)).toBeLessThan(1.5);
    const dw = w.get('MobilenetV1/Conv2d_1_depthwise/depthwise_weights')!;
    expect(dw.shape).toEqual([3, 3, 32, 1]);
    expect(dw.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('names the missing manifest and the truncated shard', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssds-faceapi-'));
    expect(codeOf(() => readTfjsWeights(join(dir, 'nope.json')))).toBe(ErrorCodes.FILE_NOT_FOUND);
    const src = faceApiManifestPath();
    const manifest = join(dir, 'm.json');
    copyFileSync(src, manifest);
    const bin = JSON.parse(readFileSync(src, 'utf8'))[0].paths[0] as string;
    copyFileSync(join(dirname(src), bin), join(dir, bin));
    truncateSync(join(dir, bin), 1000);
    expect(codeOf(() => readTfjsWeights(manifest))).toBe(ErrorCodes.FILE_INVALID);
    writeFileSync(manifest, '{"not": "a manifest"');
    expect(codeOf(() => readTfjsWeights(manifest))).toBe(ErrorCodes.FILE_INVALID);
  });

  it('maps onto a valid MobileNetV1-SSD with [background, face] heads', () => {
    const net = faceApiSsdNetwork();
    const shapes = validateSsdNetwork(net);
    expect(shapes.get('backbone/pw13')).toEqual([16, 16, 1024]);
    expect(net.weights.get('head0/class/kernel')!.shape).toEqual([1, 1, 512, 6]);
    expect(net.weights.get('head1/class/kernel')!.shape).toEqual([1, 1, 1024, 12]);
    expect(net.spec.input).toMatchObject({ width: 512, height: 512, resize: 'pad', padAlign: 'top-left', mean: [1, 1, 1] });
    expect(net.spec.labels).toEqual(['background', 'face']);
    expect(net.spec.postprocess).toMatchObject({ scoreThreshold: 0.5, iouThreshold: 0.5, maxDetections: 100 });
  });

  it("generates face-api's stored anchors from the spec (tf-grid, 5118 boxes, same cells)", () => {
    const spec = faceSsdMobilenetV1Spec();
    const ours = generateDefaultBoxes(spec.anchors, spec.input.width, spec.input.height); // (A,4) cxcywh
    const yx = faceApiAnchorsYxyx(); // (A,4) ymin,xmin,ymax,xmax
    expect(ours.length).toBe(yx.length);
    // face-api stores the interpolated-scale box second in each cell (2017 TF order); the
    // generator may put it last. Compare each cell's anchors as a set.
    const bySize = (a: number[], b: number[]): number => a[2] - b[2] || a[3] - b[3];
    let maxDiff = 0;
    let start = 0;
    spec.anchors.featureMaps.forEach(([fh, fw], k) => {
      const apc = k === 0 ? 3 : 6;
      for (let cell = 0; cell < fh * fw; cell++, start += apc) {
        const want: number[][] = [];
        const got: number[][] = [];
        for (let s = start; s < start + apc; s++) {
          const [y1, x1, y2, x2] = [yx[s * 4], yx[s * 4 + 1], yx[s * 4 + 2], yx[s * 4 + 3]];
          want.push([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]);
          got.push(Array.from(ours.subarray(s * 4, s * 4 + 4)));
        }
        want.sort(bySize);
        got.sort(bySize);
        want.forEach((w, i) => w.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - got[i][j])))));
      }
    });
    expect(start).toBe(5118);
    // TF built the stored anchors in float32 (sqrt of scale products): ~1e-4 of 1.6-wide boxes.
    expect(maxDiff).toBeLessThan(2e-4);
  });
});

describe('MobileNetV1-SSD factory', () => {
  it('computes TF-same feature maps for common input sizes', () => {
    expect(mobilenetV1FeatureMaps(512, 512)).toEqual([[32, 32], [16, 16], [8, 8], [4, 4], [2, 2], [1, 1]]);
    expect(mobilenetV1FeatureMaps(300, 300)).toEqual([[19, 19], [10, 10], [5, 5], [3, 3], [2, 2], [1, 1]]);
    expect(mobilenetV1FeatureMaps(160, 240)).toEqual([[10, 15], [5, 8], [3, 4], [2, 2], [1, 1], [1, 1]]);
  });

  it('scales channels with the width multiplier and is reproducible by seed', () => {
    const a = createMobilenetV1Ssd({ widthMultiplier: 0.5, inputSize: 160, labels: ['background', 'person', 'car'], seed: 4 });
    const b = createMobilenetV1Ssd({ widthMultiplier: 0.5, inputSize: 160, labels: ['background', 'person', 'car'], seed: 4 });
    validateSsdNetwork(a);
    expect(a.layers.find((l) => l.name === 'backbone/pw13')!.outChannels).toBe(512);
    expect(a.predictors[1].cls[0].outChannels).toBe(6 * 3);
    expect(a.weights.get('backbone/conv0/kernel')!.data).toEqual(b.weights.get('backbone/conv0/kernel')!.data);
    const c = createMobilenetV1Ssd({ widthMultiplier: 0.5, inputSize: 160, seed: 5 });
    expect(c.weights.get('backbone/conv0/kernel')!.data).not.toEqual(a.weights.get('backbone/conv0/kernel')!.data);
    const lite = createMobilenetV1Ssd({ widthMultiplier: 0.25, inputSize: 160, head: 'ssdlite' });
    expect(lite.predictors[0].box.map((l) => l.kind)).toEqual(['depthwise', 'conv']);
    validateSsdNetwork(lite);
  });
});
