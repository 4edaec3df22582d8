import { describe, expect, it } from 'vitest';
import { inputToSourceBoxes, placeInInput, sourceToInputBoxes } from '../../src/ssd/letterbox.js';

const input = (resize: 'stretch' | 'pad', padAlign: 'top-left' | 'center' = 'top-left') => ({
  width: 512,
  height: 512,
  resize,
  padAlign,
});

describe('placeInInput', () => {
  it('stretch fills the input', () => {
    expect(placeInInput(1280, 720, input('stretch'))).toEqual({
      scaledWidth: 512,
      scaledHeight: 512,
      offsetX: 0,
      offsetY: 0,
    });
  });

  it('pad keeps the aspect ratio, top-left like face-api (rounded like computeReshapedDimensions)', () => {
    // 1280x720 -> scale 0.4 -> 512 x 288.
    expect(placeInInput(1280, 720, input('pad'))).toEqual({ scaledWidth: 512, scaledHeight: 288, offsetX: 0, offsetY: 0 });
    // 333x500 -> scale 1.024 -> 340.99 rounds to 341 x 512.
    expect(placeInInput(333, 500, input('pad'))).toEqual({ scaledWidth: 341, scaledHeight: 512, offsetX: 0, offsetY: 0 });
  });

  it('pad centred splits the bars, odd pixel right/bottom', () => {
    expect(placeInInput(333, 500, input('pad', 'center'))).toEqual({ scaledWidth: 341, scaledHeight: 512, offsetX: 85, offsetY: 0 });
    expect(placeInInput(640, 480, { width: 300, height: 300, resize: 'pad', padAlign: 'center' })).toEqual({
      scaledWidth: 300,
      scaledHeight: 225,
      offsetX: 0,
      offsetY: 37,
    });
  });

  it('rejects an empty source', () => {
    expect(() => placeInInput(0, 10, input('pad'))).toThrow(/source size/);
  });
});

describe('inputToSourceBoxes', () => {
  it('maps a padded top-left box back and clips what reaches into the padding', () => {
    // 1280x720 in 512x512: picture covers y in [0, 288/512]. A box over the bottom half of the
    // picture is y in [144/512, 288/512] of the input; one spilling into the bar is clipped.
    const b = new Float32Array([0.25, 144 / 512, 0.75, 288 / 512, 0.5, 0.5, 0.6, 0.9]);
    inputToSourceBoxes(b, 2, input('pad'), 1280, 720);
    [0.25, 0.5, 0.75, 1].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
    expect(b[7]).toBe(1);
  });

  it('undoes centred padding and stretch', () => {
    const src = new Float32Array([0.1, 0.2, 0.3, 0.4, 0, 0, 1, 1]);
    for (const geom of [input('pad', 'center'), input('stretch'), input('pad')]) {
      const b = src.slice();
      sourceToInputBoxes(b, 2, geom, 333, 500);
      inputToSourceBoxes(b, 2, geom, 333, 500);
      for (let i = 0; i < b.length; i++) expect(b[i]).toBeCloseTo(src[i], 5);
    }
    const c = new Float32Array([0, 0, 1, 1]);
    sourceToInputBoxes(c, 1, input('pad', 'center'), 333, 500);
    [85 / 512, 0, 426 / 512, 1].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 6));
  });

  it('touches only the first count boxes', () => {
    const b = new Float32Array([0.5, 0.5, 0.6, 0.6, 0.5, 0.5, 0.6, 0.6]);
    inputToSourceBoxes(b, 1, input('pad'), 1280, 720);
    expect([...b.subarray(4)]).toEqual([...new Float32Array([0.5, 0.5, 0.6, 0.6])]);
  });
});
