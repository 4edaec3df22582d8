import { describe, expect, it } from 'vitest';
import { hungarianMinCost, solveAssignment } from '../../src/tracking/linear-assignment.js';
import { seededRandom } from '../../src/util/seeded-random.js';

/** Exhaustive optimum of the gated problem (unmatched row or column costs maxCost/2). */
function bruteForce(cost: number[][], maxCost: number): number {
  const rows = cost.length;
  const cols = cost[0].length;
  let best = Infinity;
  const usedCol = new Array<boolean>(cols).fill(false);
  const rec = (i: number, acc: number, matched: number): void => {
    if (i === rows) {
      best = Math.min(best, acc + ((rows - matched) + (cols - matched)) * (maxCost / 2));
      return;
    }
    rec(i + 1, acc, matched); // row i unmatched
    for (let j = 0; j < cols; j++) {
      const c = cost[i][j];
      if (usedCol[j] || !(c <= maxCost)) continue;
      usedCol[j] = true;
      rec(i + 1, acc + c, matched + 1);
      usedCol[j] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

describe('linear assignment', () => {
  it('hungarianMinCost finds the optimum where greedy fails', () => {
    // Greedy takes (0,0)=1 then must take (1,1)=10 → 11; optimum (0,1)+(1,0) = 2+2 = 4.
    const c = Float64Array.from([1, 2, 2, 10]);
    expect(Array.from(hungarianMinCost(c, 2, 2))).toEqual([1, 0]);
  });

  it('handles rectangular matrices (rows ≤ cols)', () => {
    const c = Float64Array.from([5, 1, 9, 4, 3, 1]); // 2×3
    expect(Array.from(hungarianMinCost(c, 2, 3))).toEqual([1, 2]);
  });

  it('gates: pairs above maxCost are never matched', () => {
    const c = Float64Array.from([0.1, Infinity, 0.9, 0.3]);
    const r = solveAssignment(c, 2, 2, 0.8);
    expect(r.matches).toEqual([[0, 0], [1, 1]]);
    const r2 = solveAssignment(Float64Array.from([0.9, 0.95]), 1, 2, 0.8);
    expect(r2.matches).toEqual([]);
    expect(r2.unmatchedRows).toEqual([0]);
    expect(r2.unmatchedCols).toEqual([0, 1]);
  });

  it('matches the exhaustive optimum on 300 random gated problems', () => {
    const rand = seededRandom(42);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(rand() * 5);
      const cols = 1 + Math.floor(rand() * 5);
      const maxCost = 0.8;
      const m: number[][] = [];
      for (let i = 0; i < rows; i++) {
        m.push([]);
        for (let j = 0; j < cols; j++) m[i].push(rand() < 0.3 ? Infinity : rand());
      }
      const flat = Float64Array.from(m.flat());
      const r = solveAssignment(flat, rows, cols, maxCost);
      const matched = r.matches.length;
      const total =
        r.matches.reduce((s, [i, j]) => s + m[i][j], 0) + (rows - matched + cols - matched) * (maxCost / 2);
      expect(total).toBeCloseTo(bruteForce(m, maxCost), 9);
      expect(new Set(r.matches.map(([, j]) => j)).size).toBe(matched);
      expect(matched + r.unmatchedRows.length).toBe(rows);
      expect(matched + r.unmatchedCols.length).toBe(cols);
    }
  });

  it('rejects an infinite gate and a wrong-size matrix', () => {
    expect(() => solveAssignment(new Float64Array(4), 2, 2, Infinity)).toThrow(RangeError);
    expect(() => solveAssignment(new Float64Array(3), 2, 2, 1)).toThrow(RangeError);
  });
});
