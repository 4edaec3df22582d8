import { describe, expect, it } from 'vitest';
import { decodeBoxes, encodeBoxes } from '../../src/ssd/box-coder.js';
import { xyxyToCxcywh } from '../../src/ssd/box-format.js';
import type { BoxCoderSpec } from '../../src/ssd/spec.js';
import { hasTorchvision, torchRef } from './torch-ref.js';

const f32 = (...v: number[]) => new Float32Array(v);
const TF: BoxCoderSpec = { order: 'yxhw', variances: [0.1, 0.1, 0.2, 0.2] };
const TV: BoxCoderSpec = { order: 'xywh', variances: [0.1, 0.1, 0.2, 0.2], maxLogSize: Math.log(1000 / 16) };

describe('box coder, hand-worked', () => {
  it('decodes TF OD API order (ty, tx, th, tw) with scale factors 10/10/5/5', () => {
    // Anchor cx=0.5 cy=0.5 w=0.2 h=0.4. ty=1 -> cy = 0.5 + 1/10*0.4 = 0.54; tx=2 -> cx = 0.54;
    // th=0 -> h = 0.4; tw=5 ln 2 -> w = 0.2 * exp(ln 2) = 0.4. Same arithmetic as face-api's
    // decodeBoxesLayer (vec[0]/10 * size + centre, exp(vec[2]/5) * size).
    const out = decodeBoxes(f32(1, 2, 0, 5 * Math.LN2), f32(0.5, 0.5, 0.2, 0.4), TF);
    [0.34, 0.34, 0.74, 0.74].forEach((w, i) => expect(out[i]).toBeCloseTo(w, 6));
  });

  it('decodes torchvision order (dx, dy, dw, dh) and clamps the log-size', () => {
    const anchor = f32(0.5, 0.5, 0.2, 0.4);
    const out = decodeBoxes(f32(2, 1, 0, 5 * Math.LN2), anchor, TV);
    // dx=2 -> cx = 0.5 + 2*0.1*0.2 = 0.54; dy=1 -> cy = 0.5 + 1*0.1*0.4 = 0.54; w 0.2; h 0.8.
    [0.44, 0.14, 0.64, 0.94].forEach((w, i) => expect(out[i]).toBeCloseTo(w, 6));
    const huge = decodeBoxes(f32(0, 0, 1000, 1000), anchor, TV);
    // exp(log(1000/16)) = 62.5 times the anchor, never Infinity.
    expect(huge[2] - huge[0]).toBeCloseTo(0.2 * 62.5, 4);
    expect(Number.isFinite(huge[3])).toBe(true);
  });

  it('uses the variance of each slot in the order given', () => {
    const coder: BoxCoderSpec = { order: 'yxhw', variances: [0.1, 0.2, 0.3, 0.4] };
    // slot0 = ty (v 0.1), slot1 = tx (v 0.2), slot2 = th (v 0.3), slot3 = tw (v 0.4).
    const out = decodeBoxes(f32(1, 1, 1, 1), f32(0, 0, 1, 1), coder);
    const cy = 0.1, cx = 0.2, h = Math.exp(0.3), w = Math.exp(0.4);
    [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
  });

  it('round-trips encode -> decode in both orders', () => {
    const boxes = f32(0.1, 0.2, 0.4, 0.9, 0.5, 0.5, 0.52, 0.7, 0, 0, 1, 1);
    const anchors = f32(0.3, 0.5, 0.2, 0.5, 0.5, 0.55, 0.05, 0.1, 0.4, 0.6, 0.9, 0.7);
    for (const coder of [TF, TV]) {
      const enc = encodeBoxes(boxes, anchors, coder);
      const dec = decodeBoxes(enc, anchors, coder);
      for (let i = 0; i < boxes.length; i++) expect(dec[i]).toBeCloseTo(boxes[i], 5);
    }
    // The two orders hold the same numbers, permuted.
    const a = encodeBoxes(boxes, anchors, TF);
    const b = encodeBoxes(boxes, anchors, TV);
    expect([a[0], a[1], a[2], a[3]]).toEqual([b[1], b[0], b[3], b[2]]);
  });

  it('decodes in place (out === encoded) to the same values', () => {
    const anchors = f32(0.3, 0.5, 0.2, 0.5, 0.5, 0.55, 0.05, 0.1);
    const enc = f32(0.5, -1, 0.3, -0.2, 2, 1, -1, 0.5);
    const fresh = decodeBoxes(enc, anchors, TF);
    expect(decodeBoxes(enc, anchors, TF, enc)).toBe(enc);
    expect([...enc]).toEqual([...fresh]);
  });

  it('rejects mismatched anchor counts', () => {
    expect(() => decodeBoxes(f32(0, 0, 0, 0), f32(0, 0, 1, 1, 0, 0, 1, 1), TV)).toThrow(/anchors/);
  });
});

interface CoderRef {
  anchorsXyxy: number[];
  codes: number[];
  decoded: number[];
  targets: number[];
  encoded: number[];
  maxLogSize: number;
}

describe.skipIf(!hasTorchvision)('box coder vs torchvision BoxCoder((10,10,5,5))', () => {
  it('decodes and encodes random data the same', () => {
    const ref = torchRef<CoderRef>('coder');
    const anchors = xyxyToCxcywh(new Float32Array(ref.anchorsXyxy));
    const coder: BoxCoderSpec = { order: 'xywh', variances: [0.1, 0.1, 0.2, 0.2], maxLogSize: ref.maxLogSize };
    const dec = decodeBoxes(new Float32Array(ref.codes), anchors, coder);
    let worst = 0;
    for (let i = 0; i < dec.length; i++) {
      // Relative: the clamped rows reach ~60x the anchor size.
      worst = Math.max(worst, Math.abs(dec[i] - ref.decoded[i]) / Math.max(1, Math.abs(ref.decoded[i])));
    }
    expect(worst).toBeLessThan(1e-5);
    const enc = encodeBoxes(new Float32Array(ref.targets), anchors, coder);
    let worstEnc = 0;
    for (let i = 0; i < enc.length; i++) worstEnc = Math.max(worstEnc, Math.abs(enc[i] - ref.encoded[i]));
    expect(worstEnc).toBeLessThan(1e-3); // codes reach tens; float32 centre-size rounding
  });
});
