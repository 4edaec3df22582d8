import { describe, expect, it } from 'vitest';
import {
  cxcywhToXyxy,
  xywhToXyxy,
  xyxyToCxcywh,
  xyxyToXywh,
  yxyxToXyxy,
} from '../../src/ssd/box-format.js';
import { clipBoxesXyxy, iouMatrix, iouPair } from '../../src/ssd/iou.js';
import { sigmoidInPlace, softmaxRows } from '../../src/ssd/activation.js';

const f32 = (...v: number[]) => new Float32Array(v);

describe('box format converters', () => {
  it('converts hand-worked boxes between all formats', () => {
    const xyxy = f32(10, 20, 50, 100, 0, 0, 1, 1);
    expect([...xyxyToCxcywh(xyxy)]).toEqual([30, 60, 40, 80, 0.5, 0.5, 1, 1]);
    expect([...xyxyToXywh(xyxy)]).toEqual([10, 20, 40, 80, 0, 0, 1, 1]);
    expect([...cxcywhToXyxy(f32(30, 60, 40, 80))]).toEqual([10, 20, 50, 100]);
    expect([...xywhToXyxy(f32(10, 20, 40, 80))]).toEqual([10, 20, 50, 100]);
    expect([...yxyxToXyxy(f32(20, 10, 100, 50))]).toEqual([10, 20, 50, 100]);
  });

  it('round-trips in place through out === input', () => {
    const b = f32(0.1, 0.2, 0.4, 0.9, 0.3, 0.3, 0.35, 0.5);
    const orig = b.slice();
    xyxyToCxcywh(b, b);
    cxcywhToXyxy(b, b);
    for (let i = 0; i < b.length; i++) expect(b[i]).toBeCloseTo(orig[i], 6);
    xyxyToXywh(b, b);
    xywhToXyxy(b, b);
    for (let i = 0; i < b.length; i++) expect(b[i]).toBeCloseTo(orig[i], 6);
  });

  it('rejects arrays that are not (N,4) and short out arrays', () => {
    expect(() => xyxyToCxcywh(f32(1, 2, 3))).toThrow(/multiple of 4/);
    expect(() => xyxyToCxcywh(f32(1, 2, 3, 4), new Float32Array(2))).toThrow(/out has 2/);
  });
});

describe('iou', () => {
  it('matches hand-worked overlaps', () => {
    const a = f32(0, 0, 10, 10, 0, 0, 10, 5);
    const b = f32(5, 0, 15, 10, 20, 20, 30, 30, 0, 0, 10, 10);
    const m = iouMatrix(a, b);
    expect(m.length).toBe(6);
    expect(m[0]).toBeCloseTo(50 / 150, 6); // A vs shifted half
    expect(m[1]).toBe(0); // disjoint
    expect(m[2]).toBeCloseTo(1, 6); // identical
    expect(m[3]).toBeCloseTo(25 / 125, 6);
    expect(m[5]).toBeCloseTo(0.5, 6);
    expect(iouPair(a, 1, b, 0)).toBeCloseTo(m[3], 6);
  });

  it('gives 0, not NaN, for degenerate boxes', () => {
    const m = iouMatrix(f32(1, 1, 1, 1), f32(1, 1, 1, 1, 0, 0, 2, 2));
    expect([...m]).toEqual([0, 0]);
  });

  it('clips in place to [lo, hi]', () => {
    const b = f32(-0.2, 0.5, 1.3, 0.9);
    expect(clipBoxesXyxy(b)).toBe(b);
    expect([...b]).toEqual([0, 0.5, 1, f32(0.9)[0]]);
    expect([...clipBoxesXyxy(f32(-5, 5, 700, 30), 0, 640)]).toEqual([0, 5, 640, 30]);
  });
});

describe('activation', () => {
  it('softmax rows sum to 1 and match a hand-worked row; large logits do not overflow', () => {
    const p = softmaxRows(f32(0, Math.log(3), 1000, 1000), 2, 2);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
    expect(p[2]).toBeCloseTo(0.5, 6);
    expect(p[3]).toBeCloseTo(0.5, 6);
  });

  it('sigmoid in place, stable at both ends', () => {
    const x = f32(0, 2, -2, 200, -200);
    sigmoidInPlace(x);
    expect(x[0]).toBeCloseTo(0.5, 7);
    expect(x[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(x[1] + x[2]).toBeCloseTo(1, 6);
    expect(x[3]).toBe(1);
    expect(x[4]).toBe(0);
  });
});
