import { describe, expect, it } from 'vitest';
import { boxSizesFromDataset, kmeansIou, shapeIou, suggestAnchors } from '../../src/training/anchor-fit.js';
import { createRng } from '../../src/training/augment/rng.js';
import type { AnchorSpec } from '../../src/ssd/spec.js';

/** Two shape families: tall small boxes (0.1 × 0.2) and wide large ones (0.6 × 0.3), ±5 % jitter. */
function twoFamilies(n = 200): Float32Array {
  const rng = createRng(3);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = () => rng.uniform(0.95, 1.05);
    if (i % 2) out.push(0.1 * j(), 0.2 * j());
    else out.push(0.6 * j(), 0.3 * j());
  }
  return Float32Array.from(out);
}

describe('anchor fit', () => {
  it('shapeIou of centred boxes', () => {
    expect(shapeIou(1, 1, 1, 1)).toBe(1);
    expect(shapeIou(2, 1, 1, 2)).toBeCloseTo(1 / 3, 12);
  });

  it('k-means with IoU distance recovers the two shape families', () => {
    const r = kmeansIou(twoFamilies(), 2, 1);
    expect(r.centroids[0]).toBeCloseTo(0.1, 2);
    expect(r.centroids[1]).toBeCloseTo(0.2, 2);
    expect(r.centroids[2]).toBeCloseTo(0.6, 2);
    expect(r.centroids[3]).toBeCloseTo(0.3, 2);
    expect(Array.from(r.counts)).toEqual([100, 100]);
    expect(r.meanIou).toBeGreaterThan(0.9);
    // Same seed, same answer.
    expect(kmeansIou(twoFamilies(), 2, 1).centroids).toEqual(r.centroids);
  });

  it('suggests an SSD layout: scale range from the data, ratios per feature map', () => {
    const base: AnchorSpec = { type: 'ssd', featureMaps: [[19, 19], [10, 10]], minScale: 0.2, maxScale: 0.9, aspectRatios: [[2], [2, 3]], flip: true, clip: false };
    const s = suggestAnchors(twoFamilies(), base, { k: 2 });
    if (s.anchors.type !== 'ssd') throw new Error('type changed');
    // Scales sqrt(w·h): 0.141 and 0.424 → ladder from ~0.14 to ~0.43.
    expect(s.anchors.minScale).toBeCloseTo(0.14, 1);
    expect(s.anchors.maxScale).toBeCloseTo(0.43, 1);
    expect(s.clusters.map((c) => c.layer)).toEqual([0, 1]);
    // Aspect 0.5 (tall) and 2 (wide) are both "2 with flip".
    expect(s.anchors.aspectRatios).toEqual([[2], [2]]);
    expect(s.anchors.featureMaps).toEqual(base.featureMaps);
  });

  it('normalises box sizes to the model input, padding included', () => {
    const ds = {
      images: [{ id: 0, file: 'a', width: 200, height: 100 }],
      annotations: [{ imageId: 0, classId: 0, xyxyPx: [0, 0, 100, 50] as [number, number, number, number] }],
    };
    expect(Array.from(boxSizesFromDataset(ds, { width: 300, height: 300, resize: 'stretch', padAlign: 'top-left' }))).toEqual([0.5, 0.5]);
    // Pad: the 2:1 picture fills the width and half the height of the square input.
    expect(Array.from(boxSizesFromDataset(ds, { width: 300, height: 300, resize: 'pad', padAlign: 'top-left' }))).toEqual([0.5, 0.25]);
  });
});
