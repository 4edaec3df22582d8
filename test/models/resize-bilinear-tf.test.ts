import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { resizeBilinearTf } from '../../src/models/resize-bilinear-tf.js';

const require = createRequire(import.meta.url);
// tfjs' own resizeBilinear on the cpu backend is the reference.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const tf: any = require('@tensorflow/tfjs');

function randomRgb(w: number, h: number, seed: number): Uint8Array {
  const a = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = s >>> 24;
  }
  return a;
}

/** tf.image.resizeBilinear(pad(img), [oh, ow], false, false) as face-api runs it. */
function tfReference(img: Uint8Array, w: number, h: number, ow: number, oh: number, pad: 'none' | 'top-left' | 'center'): Float32Array {
  return tf.tidy(() => {
    let t = tf.tensor3d(Int32Array.from(img), [h, w, 3], 'int32').toFloat();
    if (pad !== 'none' && w !== h) {
      const diff = Math.abs(w - h);
      const after = pad === 'center' ? Math.round(diff * 0.5) : diff;
      const before = diff - after;
      t = w > h ? tf.pad(t, [[before, after], [0, 0], [0, 0]]) : tf.pad(t, [[0, 0], [before, after], [0, 0]]);
    }
    return tf.image.resizeBilinear(t, [oh, ow], false, false).dataSync() as Float32Array;
  });
}

describe('resizeBilinearTf', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const cases: [string, number, number, number, number, 'stretch' | 'pad', 'top-left' | 'center'][] = [
    ['landscape padded top-left', 29, 17, 8, 8, 'pad', 'top-left'],
    ['portrait padded top-left', 13, 31, 8, 8, 'pad', 'top-left'],
    ['landscape padded centre (odd difference)', 24, 17, 8, 8, 'pad', 'center'],
    ['stretched to a non-square input', 23, 19, 10, 6, 'stretch', 'top-left'],
    ['upscaled', 5, 3, 8, 8, 'pad', 'top-left'],
  ];
  it.each(cases)('matches tf.image.resizeBilinear: %s', (_name, w, h, ow, oh, resize, padAlign) => {
    const img = randomRgb(w, h, w * 31 + h);
    const got = resizeBilinearTf(img, w, h, { width: ow, height: oh, resize, padAlign });
    const want = tfReference(img, w, h, ow, oh, resize === 'stretch' ? 'none' : padAlign);
    expect(got.length).toBe(want.length);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    // Only the rounding to uint8 separates the two.
    expect(maxDiff).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it('rejects a buffer that does not match the size', () => {
    expect(() => resizeBilinearTf(new Uint8Array(10), 2, 2, { width: 4, height: 4, resize: 'pad', padAlign: 'top-left' })).toThrow(RangeError);
  });
});
