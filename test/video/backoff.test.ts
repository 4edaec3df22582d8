import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/video/backoff.js';

describe('backoffDelayMs', () => {
  const cfg = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 };
  it('grows exponentially and caps at maxMs (no jitter at random = 0.5)', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, cfg, mid))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('spreads by ±jitter', () => {
    expect(backoffDelayMs(2, cfg, () => 0)).toBe(320);
    expect(backoffDelayMs(2, cfg, () => 0.999999)).toBe(480);
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelayMs(1, cfg)));
    expect(seen.size).toBeGreaterThan(5);
    for (const d of seen) expect(d >= 160 && d <= 240).toBe(true);
  });
});
