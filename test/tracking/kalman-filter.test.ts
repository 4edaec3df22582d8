import { describe, expect, it } from 'vitest';
import { kalmanInitiate, kalmanPredict, kalmanUpdate, defaultKalmanNoise } from '../../src/tracking/kalman-filter.js';

describe('kalman filter (xyah, constant velocity, 2×2 blocks)', () => {
  it('initiates with the DeepSORT covariance', () => {
    const s = kalmanInitiate([100, 50, 0.5, 40]);
    expect(Array.from(s.mean)).toEqual([100, 50, 0.5, 40, 0, 0, 0, 0]);
    // x: pos std 2·h/20 = 4 → 16; vel std 10·h/160 = 2.5 → 6.25
    expect(s.cov[0]).toBeCloseTo(16, 12);
    expect(s.cov[1]).toBe(0);
    expect(s.cov[2]).toBeCloseTo(6.25, 12);
    // aspect: absolute stds 1e-2 and 1e-5, not scaled
    expect(s.cov[6]).toBeCloseTo(1e-4, 15);
    expect(s.cov[8]).toBeCloseTo(1e-10, 20);
  });

  it('predict by hand: F P Fᵀ + dt·Q for one coordinate', () => {
    const s = kalmanInitiate([0, 0, 1, 20]);
    s.mean[4] = 3; // vx per frame
    kalmanPredict(s, 2);
    // h = 20: qp = 1, qv = 0.125; P0: pp = 4, pv = 0, vv = (10·20/160)² = 1.5625
    // pp' = 4 + 0 + 4·1.5625 + 2·1 = 12.25; pv' = 2·1.5625 = 3.125; vv' = 1.5625 + 2·0.015625 = 1.59375
    expect(s.mean[0]).toBeCloseTo(6, 12);
    expect(s.cov[0]).toBeCloseTo(12.25, 12);
    expect(s.cov[1]).toBeCloseTo(3.125, 12);
    expect(s.cov[2]).toBeCloseTo(1.59375, 12);
  });

  it('one step of dt=4 equals the same mean as four steps of 1 and grows uncertainty with time', () => {
    const a = kalmanInitiate([0, 0, 1, 20]);
    const b = kalmanInitiate([0, 0, 1, 20]);
    a.mean[4] = b.mean[4] = 1.5;
    kalmanPredict(a, 4);
    for (let i = 0; i < 4; i++) kalmanPredict(b, 1);
    expect(a.mean[0]).toBeCloseTo(b.mean[0], 12);
    expect(a.mean[0]).toBeCloseTo(6, 12);
    // Uncertainty grows with elapsed time, not with the number of calls.
    expect(a.cov[0]).toBeGreaterThan(kalmanInitiate([0, 0, 1, 20]).cov[0] + 4 * 1); // + dt·qp²
    const one = kalmanInitiate([0, 0, 1, 20]);
    kalmanPredict(one, 1);
    expect(a.cov[0]).toBeGreaterThan(one.cov[0]);
    const c = kalmanInitiate([0, 0, 1, 20]);
    kalmanPredict(c, 0);
    expect(Array.from(c.cov)).toEqual(Array.from(kalmanInitiate([0, 0, 1, 20]).cov));
  });

  it('update by hand: gain pp/(pp+r²) on position and pv/(pp+r²) on velocity', () => {
    const s = kalmanInitiate([0, 0, 1, 20]);
    s.cov[0] = 3; // P_pp of x
    s.cov[1] = 1; // P_pv
    s.cov[2] = 2; // P_vv
    kalmanUpdate(s, [4, 0, 1, 20]);
    // r = h/20 = 1 → S = 4, Kp = 0.75, Kv = 0.25, innovation 4
    expect(s.mean[0]).toBeCloseTo(3, 12);
    expect(s.mean[4]).toBeCloseTo(1, 12);
    expect(s.cov[0]).toBeCloseTo(0.75, 12);
    expect(s.cov[1]).toBeCloseTo(0.25, 12);
    expect(s.cov[2]).toBeCloseTo(1.75, 12);
  });

  it('learns a constant velocity from measurements', () => {
    const s = kalmanInitiate([10, 10, 0.5, 30]);
    for (let t = 1; t <= 30; t++) {
      kalmanPredict(s, 1);
      kalmanUpdate(s, [10 + 2 * t, 10 - t, 0.5, 30]);
    }
    expect(s.mean[4]).toBeCloseTo(2, 1);
    expect(s.mean[5]).toBeCloseTo(-1, 1);
    expect(defaultKalmanNoise.stdWeightPosition).toBe(1 / 20);
  });
});

/** The textbook 8×8 filter with dense matrices, to check the 2×2-block shortcut against. */
describe('2×2 blocks equal the dense 8×8 algebra', () => {
  type M = number[][];
  const zeros = (r: number, c: number): M => Array.from({ length: r }, () => new Array<number>(c).fill(0));
  const mul = (a: M, b: M): M => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
  const tr = (a: M): M => a[0].map((_, j) => a.map((row) => row[j]));
  const add = (a: M, b: M): M => a.map((row, i) => row.map((v, j) => v + b[i][j]));
  const diag = (v: number[]): M => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
  /** Inverse of a diagonal-dominant 4×4 by Gauss–Jordan. */
  const inv = (a: M): M => {
    const n = a.length;
    const m = a.map((row, i) => [...row, ...diag(new Array(n).fill(1))[i]]);
    for (let c = 0; c < n; c++) {
      const p = m[c][c];
      for (let j = 0; j < 2 * n; j++) m[c][j] /= p;
      for (let r = 0; r < n; r++) if (r !== c) {
        const f = m[r][c];
        for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
      }
    }
    return m.map((row) => row.slice(n));
  };
  const wp = 1 / 20;
  const wv = 1 / 160;

  it('matches after a random sequence of predicts (fractional dt) and updates', async () => {
    const { seededRandom } = await import('../../src/util/seeded-random.js');
    const rand = seededRandom(99);
    const z0 = [50, 40, 0.45, 80];
    const fast = kalmanInitiate(z0);
    let x: M = [...z0, 0, 0, 0, 0].map((v) => [v]);
    const h0 = z0[3];
    let P = diag([2 * wp * h0, 2 * wp * h0, 1e-2, 2 * wp * h0, 10 * wv * h0, 10 * wv * h0, 1e-5, 10 * wv * h0].map((s) => s * s));
    const H = zeros(4, 8).map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    for (let step = 0; step < 40; step++) {
      const dt = 0.5 + 3 * rand();
      const h = x[3][0];
      const F = diag(new Array(8).fill(1));
      for (let k = 0; k < 4; k++) F[k][k + 4] = dt;
      const Q = diag([wp * h, wp * h, 1e-2, wp * h, wv * h, wv * h, 1e-5, wv * h].map((s) => dt * s * s));
      x = mul(F, x);
      P = add(mul(mul(F, P), tr(F)), Q);
      kalmanPredict(fast, dt);
      if (rand() < 0.7) {
        const z = [50 + step * 2 + rand(), 40 - step + rand(), 0.45 + 0.01 * rand(), 80 + rand()];
        const hh = x[3][0];
        const R = diag([wp * hh, wp * hh, 1e-1, wp * hh].map((s) => s * s));
        const S = add(mul(mul(H, P), tr(H)), R);
        const K = mul(mul(P, tr(H)), inv(S));
        const y = z.map((v, i) => [v - x[i][0]]);
        x = add(x, mul(K, y));
        P = add(P, mul(mul(K, H), P).map((row) => row.map((v) => -v)));
        kalmanUpdate(fast, z);
      }
      for (let i = 0; i < 8; i++) expect(fast.mean[i]).toBeCloseTo(x[i][0], 8);
      for (let k = 0; k < 4; k++) {
        expect(fast.cov[3 * k]).toBeCloseTo(P[k][k], 8);
        expect(fast.cov[3 * k + 1]).toBeCloseTo(P[k][k + 4], 8);
        expect(fast.cov[3 * k + 2]).toBeCloseTo(P[k + 4][k + 4], 8);
        // Cross-coordinate covariances stay exactly zero in the dense filter too.
        for (let j = 0; j < 4; j++) if (j !== k) expect(Math.abs(P[k][j]) + Math.abs(P[k][j + 4])).toBeLessThan(1e-12);
      }
    }
  });
});
