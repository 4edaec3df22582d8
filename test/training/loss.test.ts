import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { matchTargets, IGNORE_LABEL, DEFAULT_MATCH_OPTIONS } from '../../src/training/target-matcher.js';
import { ssdLoss, hardNegativeMask, DEFAULT_LOSS_OPTIONS } from '../../src/training/ssd-loss.js';

await tf.setBackend('cpu');

const coder = { order: 'xywh' as const, variances: [0.1, 0.1, 0.2, 0.2] as [number, number, number, number] };
// (3,4) cxcywh: top-left quarter, bottom-right quarter, a small centre box
const anchors = new Float32Array([0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 0.5, 0.5, 0.5, 0.5, 0.2, 0.2]);

describe('matchTargets', () => {
  it('matches by IoU ≥ 0.5 and forces each ground truth onto its best default box', () => {
    const gt = new Float32Array([0, 0, 0.5, 0.5, 0.45, 0.45, 0.55, 0.55]);
    const t = matchTargets(gt, new Int32Array([2, 1]), anchors, coder);
    // gt0 is anchor 0 exactly; gt1 overlaps anchor 2 at IoU 0.25 only, but it is its best.
    expect(Array.from(t.labels)).toEqual([2, 0, 1]);
    expect(Array.from(t.matchedGt)).toEqual([0, -1, 1]);
    expect(t.numPositives).toBe(2);
    expect(Array.from(t.offsets.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    // log(0.1 / 0.2) / 0.2 for w and h; centres coincide.
    const o = Array.from(t.offsets.subarray(8, 12));
    expect(o[0]).toBeCloseTo(0, 6);
    expect(o[1]).toBeCloseTo(0, 6);
    expect(o[2]).toBeCloseTo(Math.log(0.5) / 0.2, 5);
    expect(o[3]).toBeCloseTo(Math.log(0.5) / 0.2, 5);
  });

  it('ignores unmatched default boxes inside ignore regions, keeps positives', () => {
    const gt = new Float32Array([0, 0, 0.5, 0.5]);
    const ignore = new Float32Array([0.3, 0.3, 1, 1]);
    const t = matchTargets(gt, new Int32Array([1]), anchors, coder, DEFAULT_MATCH_OPTIONS, ignore);
    expect(Array.from(t.labels)).toEqual([1, IGNORE_LABEL, IGNORE_LABEL]);
  });

  it('gives all background when an image has no objects', () => {
    const t = matchTargets(new Float32Array(0), new Int32Array(0), anchors, coder);
    expect(Array.from(t.labels)).toEqual([0, 0, 0]);
    expect(t.numPositives).toBe(0);
  });
});

describe('hard negative mining', () => {
  it('keeps the highest-loss negatives at the ratio, per image', () => {
    const ce = new Float32Array([9, 1, 5, 3, /* image 2 */ 1, 2, 3, 4]);
    const labels = new Int32Array([1, 0, 0, 0, /* no positive */ 0, 0, 0, IGNORE_LABEL]);
    const m = hardNegativeMask(ce, labels, 2, 4, 1, 0);
    expect(Array.from(m)).toEqual([1, 0, 1, 0, 0, 0, 0, 0]);
  });
});

describe('ssdLoss', () => {
  const loc = (v: number[]) => tf.tensor3d(v, [1, 3, 4]);
  it('is Smooth L1 over positives plus mined cross-entropy, over the positive count', () => {
    const r = ssdLoss(
      loc([0.5, 0, 0, 2, 7, 7, 7, 7, 7, 7, 7, 7]), // negatives' offsets must not count
      tf.tensor3d([0, 0, 0, 0, 0, 0], [1, 3, 2]),
      loc(new Array(12).fill(0)),
      tf.tensor2d([[1, 0, 0]], [1, 3], 'int32'),
    );
    // loc: 0.5·0.5² + 0 + 0 + (2 − 0.5) = 1.625; conf: 3 boxes × ln 2 (2 negatives ≤ 3 × 1)
    expect(r.loc.dataSync()[0]).toBeCloseTo(1.625, 5);
    expect(r.conf.dataSync()[0]).toBeCloseTo(3 * Math.LN2, 5);
    expect(r.total.dataSync()[0]).toBeCloseTo(1.625 + 3 * Math.LN2, 5);
  });

  it('keeps only the hardest negative at ratio 1', () => {
    const r = ssdLoss(
      loc(new Array(12).fill(0)),
      tf.tensor3d([0, 0, 0, 2, 0, 0], [1, 3, 2]),
      loc(new Array(12).fill(0)),
      tf.tensor2d([[1, 0, 0]], [1, 3], 'int32'),
      { ...DEFAULT_LOSS_OPTIONS, negPosRatio: 1 },
    );
    // positive ln 2, hardest negative log(1 + e²); the easy ln 2 negative is dropped
    expect(r.conf.dataSync()[0]).toBeCloseTo(Math.LN2 + Math.log(1 + Math.exp(2)), 5);
  });

  it('focal option: α_t (1 − p_t)^γ · BCE on foreground columns of all valid boxes', () => {
    const r = ssdLoss(
      tf.zeros([1, 3, 4]) as tf.Tensor3D,
      tf.tensor3d([0, 0, 0, 0, 5, 5], [1, 3, 2]),
      tf.zeros([1, 3, 4]) as tf.Tensor3D,
      tf.tensor2d([[1, 0, IGNORE_LABEL]], [1, 3], 'int32'),
      { ...DEFAULT_LOSS_OPTIONS, confidence: 'focal' },
    );
    const expected = 0.25 * 0.25 * Math.LN2 + 0.75 * 0.25 * Math.LN2; // ignored box adds nothing
    expect(r.conf.dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('has gradients that move predictions toward the targets', () => {
    const pred = tf.variable(tf.tensor3d([0.5, -0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 3, 4]));
    const logits = tf.variable(tf.zeros([1, 3, 2]));
    const labels = tf.tensor2d([[1, 0, 0]], [1, 3], 'int32');
    const target = tf.zeros([1, 3, 4]) as tf.Tensor3D;
    const { grads } = tf.variableGrads(() => ssdLoss(pred as unknown as tf.Tensor3D, logits as unknown as tf.Tensor3D, target, labels).total);
    const g = grads[pred.name].dataSync();
    expect(g[0]).toBeGreaterThan(0);
    expect(g[1]).toBeLessThan(0);
    const gl = grads[logits.name].dataSync();
    expect(gl[1]).toBeLessThan(0); // raise the positive's class-1 logit
    // a mined negative: background logit up, class-1 logit down
    expect(gl[2]).toBeLessThan(0);
    expect(gl[3]).toBeGreaterThan(0);
  });
});
