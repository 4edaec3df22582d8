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
    // aspect: (2·1e-2)² and (10·1e-5)²
    expect(s.cov[6]).toBeCloseTo(4e-4, 15);
    expect(s.cov[8]).toBeCloseTo(1e-8, 18);
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
