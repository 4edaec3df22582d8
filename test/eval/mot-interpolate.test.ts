import { describe, expect, it } from 'vitest';
import { interpolateTracks } from '../../src/eval/mot-interpolate.js';
import { evaluateMot } from '../../src/eval/mot-metrics.js';
import type { MotRow } from '../../src/eval/mot.js';

const r = (frame: number, id: number, x: number, conf = 1): MotRow => ({ frame, id, box: [x, 0, 10, 20], conf });

describe('interpolateTracks', () => {
  it('fills short gaps linearly, per id, and leaves long gaps alone', () => {
    const out = interpolateTracks([r(1, 1, 0, 0.9), r(4, 1, 30, 0.6), r(1, 2, 100), r(10, 2, 190)], 3);
    expect(out.filter((x) => x.id === 1).map((x) => [x.frame, x.box[0], x.conf])).toEqual([
      [1, 0, 0.9],
      [2, 10, 0.6],
      [3, 20, 0.6],
      [4, 30, 0.6],
    ]);
    // id 2 misses 8 frames > 3: untouched.
    expect(out.filter((x) => x.id === 2).map((x) => x.frame)).toEqual([1, 10]);
    expect(out.map((x) => x.frame)).toEqual([...out.map((x) => x.frame)].sort((a, b) => a - b));
  });

  it('turns a fragmentation into continuous tracking', () => {
    const gt: MotRow[] = [1, 2, 3, 4, 5].map((f) => ({ ...r(f, 1, 10 * f), classId: 1 }));
    const hyp = [r(1, 7, 10), r(2, 7, 20), r(5, 7, 50)];
    expect(evaluateMot(gt, hyp)).toMatchObject({ fn: 2, fragmentations: 1 });
    expect(evaluateMot(gt, interpolateTracks(hyp, 5))).toMatchObject({ fn: 0, fragmentations: 0, mota: 1 });
  });
});
