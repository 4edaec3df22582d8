import { describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../../src/models/fold-batch-norm.js';

describe('foldBatchNorm', () => {
  it('folds into a 1×1 HWIO conv with bias (hand-worked)', () => {
    // kernel [1,1,2,2]: out0 = x0 + 2 x1, out1 = 3 x0 − x1; bias [1, 0]
    const kernel = { shape: [1, 1, 2, 2], data: Float32Array.from([1, 3, 2, -1]) };
    const r = foldBatchNorm(kernel, Float32Array.from([1, 0]), {
      gamma: Float32Array.from([2, 1]),
      beta: Float32Array.from([0.5, -1]),
      mean: Float32Array.from([1, 2]),
      variance: Float32Array.from([3, 0.25]),
      epsilon: 1,
    });
    // ε = 1: s0 = 2/√(3+1) = 1, s1 = 1/√(0.25+1)
    const s1 = 1 / Math.sqrt(1.25);
    expect(Array.from(r.kernel.data)).toEqual([1, Math.fround(3 * s1), 2, Math.fround(-1 * s1)]);
    expect(r.bias.data[0]).toBeCloseTo((1 - 1) * 1 + 0.5, 6);
    expect(r.bias.data[1]).toBeCloseTo((0 - 2) * s1 - 1, 6);
    // The folded conv equals conv → BN on an input.
    const x = [0.7, -1.3];
    const conv = [1 + x[0] + 2 * x[1], 3 * x[0] - x[1]];
    const bn = [(conv[0] - 1) * 1 + 0.5, (conv[1] - 2) * s1 - 1];
    const folded = [r.kernel.data[0] * x[0] + r.kernel.data[2] * x[1] + r.bias.data[0], r.kernel.data[1] * x[0] + r.kernel.data[3] * x[1] + r.bias.data[1]];
    folded.forEach((v, i) => expect(v).toBeCloseTo(bn[i], 5));
  });

  it('folds per channel into a depthwise HWC1 kernel', () => {
    const kernel = { shape: [1, 2, 3, 1], data: Float32Array.from([1, 1, 1, 2, 2, 2]) };
    const r = foldBatchNorm(kernel, undefined, {
      gamma: Float32Array.from([1, 2, 3]),
      beta: Float32Array.from([0, 0, 0]),
      mean: Float32Array.from([0, 1, 0]),
      variance: Float32Array.from([1, 1, 1]),
      epsilon: 0,
    });
    expect(Array.from(r.kernel.data)).toEqual([1, 2, 3, 2, 4, 6]);
    expect(Array.from(r.bias.data)).toEqual([0, -2, 0]);
  });

  it('rejects batch-norm parameters of another width', () => {
    const kernel = { shape: [1, 1, 2, 2], data: new Float32Array(4) };
    const bn = { gamma: new Float32Array(3), beta: new Float32Array(3), mean: new Float32Array(3), variance: new Float32Array(3), epsilon: 1e-3 };
    expect(() => foldBatchNorm(kernel, undefined, bn)).toThrow(/2 output channels, batch norm has 3/);
  });
});
