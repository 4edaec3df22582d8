import { describe, expect, it } from 'vitest';
import { sortIndicesByScoreDesc } from '../../src/ssd/score-sort.js';

function sortRef(scores: Float32Array, cands: number[], thr: number): number[] {
  const t = Math.fround(thr);
  return cands.filter((i) => scores[i] > t).sort((a, b) => scores[b] - scores[a] || a - b);
}

describe('sortIndicesByScoreDesc (radix on float32 bits)', () => {
  it('orders negatives, zeros, infinities; drops NaN and scores at the threshold; ties by index', () => {
    const s = new Float32Array([0.5, -1, Infinity, NaN, 0, -0, 0.5, -Infinity, 1e-30, -1e-30, 3]);
    const order = new Int32Array(s.length);
    const n = sortIndicesByScoreDesc(s, null, s.length, -Infinity, order);
    // NaN and -Infinity (not > -Infinity) are dropped; +0 and -0 compare equal but -0's bits sort
    // after +0, which is a valid descending order either way.
    expect([...order.subarray(0, n)]).toEqual([2, 10, 0, 6, 8, 4, 5, 9, 1]);
    const m = sortIndicesByScoreDesc(s, null, s.length, 0.5, order);
    expect([...order.subarray(0, m)]).toEqual([2, 10]);
  });

  it('matches a comparator sort on random data, with a candidate subset', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const scores = new Float32Array(20000).map(() => (rand() - 0.2) * 10 ** Math.floor(rand() * 6 - 3));
    // Some exact ties.
    for (let i = 0; i < 200; i++) scores[i * 50] = 0.25;
    const all = Array.from({ length: scores.length }, (_, i) => i);
    const order = new Int32Array(scores.length);
    const n = sortIndicesByScoreDesc(scores, null, scores.length, 0, order);
    expect([...order.subarray(0, n)]).toEqual(sortRef(scores, all, 0));
    const subset = all.filter((i) => i % 3 === 1);
    const m = sortIndicesByScoreDesc(scores, Int32Array.from(subset), subset.length, -5, order);
    expect([...order.subarray(0, m)]).toEqual(sortRef(scores, subset, -5));
    expect(m).toBeGreaterThan(1000);
  });
});
