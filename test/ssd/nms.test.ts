import { describe, expect, it } from 'vitest';
import { nms } from '../../src/ssd/nms.js';
import { hasTorchvision, torchRef } from './torch-ref.js';

const f32 = (...v: number[]) => new Float32Array(v);

// A, B (IoU(A,B) = 0.5, B is A's top half), C (disjoint), D (A's bottom half; IoU(A,D) = 0.5,
// IoU(B,D) = 0: they only touch).
const BOXES = f32(0, 0, 10, 10, 0, 0, 10, 5, 20, 20, 30, 30, 0, 5, 10, 10);
const SCORES = f32(0.9, 0.8, 0.7, 0.6);

describe('hard NMS, hand-worked', () => {
  it('suppresses strictly above the threshold', () => {
    expect([...nms(BOXES, SCORES, 4, { iouThreshold: 0.45 }).indices]).toEqual([0, 2]);
    // IoU exactly 0.5 is not > 0.5: nothing suppressed, order is by score.
    expect([...nms(BOXES, SCORES, 4, { iouThreshold: 0.5 }).indices]).toEqual([0, 1, 2, 3]);
  });

  it('sorts by score, honours count, scoreThreshold and maxOutput', () => {
    const scores = f32(0.1, 0.95, -0.5, 0.3);
    const r = nms(BOXES, scores, 4, { iouThreshold: 0.99 });
    expect([...r.indices]).toEqual([1, 3, 0, 2]);
    expect([...r.scores]).toEqual([...f32(0.95, 0.3, 0.1, -0.5)]);
    expect([...nms(BOXES, scores, 3, { iouThreshold: 0.99 }).indices]).toEqual([1, 0, 2]);
    expect([...nms(BOXES, scores, 4, { iouThreshold: 0.99, scoreThreshold: 0.1 }).indices]).toEqual([1, 3]);
    expect([...nms(BOXES, scores, 4, { iouThreshold: 0.99, maxOutput: 2 }).indices]).toEqual([1, 3]);
  });

  it('rejects a count larger than the arrays', () => {
    expect(() => nms(BOXES, SCORES, 5, { iouThreshold: 0.5 })).toThrow(RangeError);
  });
});

describe('Soft-NMS (Bodla et al. 2017), hand-worked', () => {
  it('Gaussian: decays by exp(-iou^2/sigma) and re-ranks', () => {
    const r = nms(BOXES, SCORES, 4, { iouThreshold: 0.3, method: 'soft-gaussian', sigma: 0.5 });
    // Pick A; B and D (IoU 0.5) decay by exp(-0.25/0.5); C untouched and now ranks second.
    const d = Math.exp(-0.5);
    expect([...r.indices]).toEqual([0, 2, 1, 3]);
    const want = [0.9, 0.7, 0.8 * d, 0.6 * d];
    want.forEach((w, i) => expect(r.scores[i]).toBeCloseTo(w, 6));
  });

  it('linear: decays by (1 - iou) only above Nt', () => {
    const r = nms(BOXES, SCORES, 4, { iouThreshold: 0.3, method: 'soft-linear' });
    expect([...r.indices]).toEqual([0, 2, 1, 3]);
    [0.9, 0.7, 0.4, 0.3].forEach((w, i) => expect(r.scores[i]).toBeCloseTo(w, 6));
    const none = nms(BOXES, SCORES, 4, { iouThreshold: 0.55, method: 'soft-linear' });
    expect([...none.indices]).toEqual([0, 1, 2, 3]);
    [0.9, 0.8, 0.7, 0.6].forEach((w, i) => expect(none.scores[i]).toBeCloseTo(w, 6));
  });

  it('drops boxes whose decayed score falls to the score threshold', () => {
    const r = nms(BOXES, SCORES, 4, {
      iouThreshold: 0.3,
      method: 'soft-linear',
      scoreThreshold: 0.35,
    });
    expect([...r.indices]).toEqual([0, 2, 1]); // D decayed to 0.3 ≤ 0.35
  });
});

describe('DIoU-NMS (Zheng et al. 2020), hand-worked', () => {
  // A = [0,0,10,10]; B = top half of A: IoU 0.5, rho^2 = 6.25, c^2 = 200 -> DIoU 0.46875.
  // F = [5,0,15,10]: IoU 1/3, rho^2 = 25, c^2 = 325 -> 0.25641; F vs B: 0.2 - 31.25/325 = 0.10385.
  const boxes = f32(0, 0, 10, 10, 0, 0, 10, 5, 5, 0, 15, 10);
  const scores = f32(0.9, 0.8, 0.7);

  it('keeps what hard NMS suppresses when centres are far apart', () => {
    expect([...nms(boxes, scores, 3, { iouThreshold: 0.3 }).indices]).toEqual([0]);
    expect([...nms(boxes, scores, 3, { iouThreshold: 0.3, method: 'diou' }).indices]).toEqual([0, 2]);
    expect([...nms(boxes, scores, 3, { iouThreshold: 0.48 }).indices]).toEqual([0, 2]);
    expect([...nms(boxes, scores, 3, { iouThreshold: 0.48, method: 'diou' }).indices]).toEqual([0, 1, 2]);
    // Just above and below DIoU(A,F) = 0.25641.
    expect([...nms(boxes, scores, 3, { iouThreshold: 0.26, method: 'diou' }).indices]).toEqual([0, 2]);
    expect([...nms(boxes, scores, 3, { iouThreshold: 0.25, method: 'diou' }).indices]).toEqual([0]);
  });
});

interface NmsRef {
  torchvision: string;
  cases: { n: number; iouThreshold: number; boxes: number[]; scores: number[]; keep: number[] }[];
}

describe.skipIf(!hasTorchvision)('hard NMS vs torchvision.ops.nms on random boxes', () => {
  it('keeps the same indices in the same order', () => {
    const ref = torchRef<NmsRef>('nms');
    expect(ref.cases.length).toBeGreaterThan(0);
    for (const c of ref.cases) {
      const r = nms(new Float32Array(c.boxes), new Float32Array(c.scores), c.n, {
        iouThreshold: c.iouThreshold,
      });
      expect(r.indices.length, `n=${c.n} thr=${c.iouThreshold}`).toBe(c.keep.length);
      expect([...r.indices]).toEqual(c.keep);
      // Cases must be non-trivial: some boxes suppressed, more than a handful kept.
      expect(c.keep.length).toBeLessThan(c.n);
      expect(c.keep.length).toBeGreaterThan(20);
    }
  });
});
