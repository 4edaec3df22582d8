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

/** Textbook suppress-forward NMS (O(n²), doubles), the oracle for the grid-indexed loop. */
function referenceNms(boxes: Float32Array, scores: Float32Array, t: number, diou: boolean): number[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const dead = new Uint8Array(n);
  const keep: number[] = [];
  for (let p = 0; p < n; p++) {
    const i = order[p];
    if (dead[i]) continue;
    keep.push(i);
    const [ax1, ay1, ax2, ay2] = boxes.subarray(4 * i, 4 * i + 4);
    for (let q = p + 1; q < n; q++) {
      const j = order[q];
      const [bx1, by1, bx2, by2] = boxes.subarray(4 * j, 4 * j + 4);
      const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
      const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
      const inter = iw * ih;
      const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
      let v = union > 0 ? inter / union : 0;
      if (diou && inter > 0) {
        const rho2 = ((ax1 + ax2 - bx1 - bx2) / 2) ** 2 + ((ay1 + ay2 - by1 - by2) / 2) ** 2;
        const c2 = (Math.max(ax2, bx2) - Math.min(ax1, bx1)) ** 2 + (Math.max(ay2, by2) - Math.min(ay1, by1)) ** 2;
        v -= rho2 / c2;
      }
      if (v > t) dead[j] = 1;
    }
  }
  return keep;
}

function randomBoxes(n: number, seed: number, clustered: boolean): { boxes: Float32Array; scores: Float32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const centres = Array.from({ length: 12 }, () => [rand(), rand(), 0.05 + rand() * 0.3, 0.05 + rand() * 0.3]);
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let cx: number, cy: number, w: number, h: number;
    if (clustered) {
      const c = centres[i % centres.length];
      cx = c[0] + (rand() - 0.5) * 0.3 * c[2];
      cy = c[1] + (rand() - 0.5) * 0.3 * c[3];
      w = c[2] * (0.7 + rand() * 0.6);
      h = c[3] * (0.7 + rand() * 0.6);
    } else {
      [cx, cy, w, h] = [rand(), rand(), 0.01 + rand() * 0.15, 0.01 + rand() * 0.15];
    }
    boxes.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * i);
    scores[i] = rand();
  }
  return { boxes, scores };
}

describe('grid-indexed greedy NMS equals textbook NMS', () => {
  it('hard and DIoU, clustered and uniform, 64..3000 candidates, several thresholds', () => {
    let nonTrivial = 0;
    for (const n of [64, 300, 3000]) {
      for (const clustered of [true, false]) {
        const { boxes, scores } = randomBoxes(n, n + (clustered ? 1 : 2), clustered);
        for (const t of [0, 0.3, 0.5, 0.7]) {
          for (const method of ['hard', 'diou'] as const) {
            const want = referenceNms(boxes, scores, t, method === 'diou');
            const got = nms(boxes, scores, n, { iouThreshold: t, method });
            expect([...got.indices], `n=${n} clustered=${clustered} t=${t} ${method}`).toEqual(want);
            if (want.length > 5 && want.length < n) nonTrivial++;
            // maxOutput cuts the same sequence.
            const cut = nms(boxes, scores, n, { iouThreshold: t, method, maxOutput: 5 });
            expect([...cut.indices]).toEqual(want.slice(0, 5));
          }
        }
      }
    }
    expect(nonTrivial).toBeGreaterThan(20);
  });

  it('handles identical boxes, zero-extent candidates, and rejects thresholds outside [0, 1]', () => {
    const boxes = new Float32Array(200 * 4);
    for (let i = 0; i < 200; i++) boxes.set([0.2, 0.2, 0.4, 0.4], 4 * i);
    const scores = new Float32Array(200).map((_, i) => i / 200);
    expect([...nms(boxes, scores, 200, { iouThreshold: 0.5 }).indices]).toEqual([199]);
    // Points: the candidates' extent is zero (grid cannot be built), and nothing overlaps.
    const points = new Float32Array(100 * 4).fill(0.5);
    expect(nms(points, scores, 100, { iouThreshold: 0 }).indices.length).toBe(100);
    expect(() => nms(boxes, scores, 200, { iouThreshold: -0.1 })).toThrow(/iouThreshold/);
    expect(() => nms(boxes, scores, 200, { iouThreshold: Number.NaN })).toThrow(/iouThreshold/);
  });
});
