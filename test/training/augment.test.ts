import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { augmentSample, DEFAULT_AUGMENT, NO_AUGMENT } from '../../src/training/augment/augment.js';
import { iouCrop, DEFAULT_IOU_CROP } from '../../src/training/augment/iou-crop.js';
import { photometricDistort, DEFAULT_PHOTOMETRIC } from '../../src/training/augment/photometric.js';
import { createRng, sampleRng } from '../../src/training/augment/rng.js';
import { writePreview } from '../../src/training/augment/preview.js';
import type { DetectionSample } from '../../src/training/augment/sample.js';
import { fullView } from '../../src/training/augment/view.js';
import { iouMatrix } from '../../src/ssd/iou.js';
import { tempDir } from './data-helpers.js';

const OBJ = [250, 20, 20] as const;
const OBJ2 = [20, 250, 20] as const;

/** A 120x80 black picture with a red object at [20,10,60,50] and a green one at [80,40,110,70]. */
function scene(): DetectionSample {
  const W = 120;
  const H = 80;
  const data = new Uint8Array(W * H * 3);
  const paint = (b: number[], c: readonly number[]) => {
    for (let y = b[1]; y < b[3]; y++) for (let x = b[0]; x < b[2]; x++) data.set(c, (y * W + x) * 3);
  };
  paint([20, 10, 60, 50], OBJ);
  paint([80, 40, 110, 70], OBJ2);
  return {
    image: { data, width: W, height: H },
    boxesXyxy: Float32Array.of(20, 10, 60, 50, 80, 40, 110, 70),
    classIds: Int32Array.of(0, 1),
    ignoreXyxy: Float32Array.of(0, 0, 10, 10),
  };
}

const input = { width: 64, height: 64, resize: 'stretch' as const, padAlign: 'top-left' as const };

describe('augmentSample', () => {
  it('is reproducible per (seed, epoch, index) and varies between them', () => {
    const a = augmentSample(scene(), input, sampleRng(7, 1, 3));
    const b = augmentSample(scene(), input, sampleRng(7, 1, 3));
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.boxesXyxy).toEqual(b.boxesXyxy);
    const differ = [0, 1, 2, 4, 5].filter((i) => {
      const c = augmentSample(scene(), input, sampleRng(7, 1, i));
      return !Buffer.from(c.image.data).equals(Buffer.from(a.image.data));
    });
    expect(differ.length).toBeGreaterThan(3);
  });

  it('keeps boxes valid and on their objects over many random draws', () => {
    const opts = { ...DEFAULT_AUGMENT, photometric: false as const };
    let zoomed = 0;
    let flipped = 0;
    for (let i = 0; i < 150; i++) {
      const s = augmentSample(scene(), input, sampleRng(42, 0, i), opts);
      const n = s.classIds.length;
      expect(s.boxesXyxy.length).toBe(4 * n);
      for (let k = 0; k < n; k++) {
        const [x1, y1, x2, y2] = s.boxesXyxy.subarray(4 * k, 4 * k + 4);
        expect(x1).toBeGreaterThanOrEqual(-1e-6);
        expect(y1).toBeGreaterThanOrEqual(-1e-6);
        expect(x2).toBeLessThanOrEqual(1 + 1e-6);
        expect(y2).toBeLessThanOrEqual(1 + 1e-6);
        expect(x2 - x1).toBeGreaterThanOrEqual(2 / 64 - 1e-6);
        // The pixel at the box centre shows the object of that class (geometry is consistent).
        const cx = Math.floor(((x1 + x2) / 2) * 64);
        const cy = Math.floor(((y1 + y2) / 2) * 64);
        const px = Array.from(s.image.data.subarray((cy * 64 + cx) * 3, (cy * 64 + cx) * 3 + 3));
        const want = s.classIds[k] === 0 ? OBJ : OBJ2;
        expect(Math.abs(px[0] - want[0]) + Math.abs(px[1] - want[1])).toBeLessThan(60);
        if (x2 - x1 < 0.2) zoomed++;
        // Red object left of green in the source: a green box left of a red one means a flip.
      }
      if (n === 2 && s.classIds[0] === 0 && s.boxesXyxy[0] > s.boxesXyxy[4]) flipped++;
    }
    expect(zoomed).toBeGreaterThan(5);
    expect(flipped).toBeGreaterThan(5);
  });

  it('without rng only resizes: stretch maps boxes exactly', () => {
    const s = augmentSample(scene(), input);
    expect(Array.from(s.boxesXyxy)).toEqual([20 / 120, 10 / 80, 60 / 120, 50 / 80, 80 / 120, 40 / 80, 110 / 120, 70 / 80].map((v) => Math.fround(v)));
    expect(Array.from(s.ignoreXyxy).map((v) => +v.toFixed(4))).toEqual([0, 0, +(10 / 120).toFixed(4), 0.125]);
    // Centre of the red object at input (26.7, 32) is red.
    const o = (32 * 64 + 26) * 3;
    expect(Array.from(s.image.data.subarray(o, o + 3))).toEqual([...OBJ]);
  });

  it('pad mode keeps the aspect ratio and pads black like inference', () => {
    const s = augmentSample(scene(), { ...input, resize: 'pad', padAlign: 'center' }, undefined, NO_AUGMENT);
    // 120x80 → 64x43 (rounded), centred: offsetY = floor((64-43)/2) = 10.
    const sy = 43 / 80 / 64;
    expect(s.boxesXyxy[1]).toBeCloseTo(10 / 64 + 10 * sy, 5);
    expect(s.boxesXyxy[0]).toBeCloseTo(20 / 120, 5);
    expect(Array.from(s.image.data.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(s.image.data.subarray((63 * 64) * 3, (63 * 64) * 3 + 3))).toEqual([0, 0, 0]);
  });

  it('turns objects too small at the input size into ignore boxes', () => {
    const sample = scene();
    sample.boxesXyxy = Float32Array.of(20, 10, 21, 50);
    sample.classIds = Int32Array.of(0);
    const s = augmentSample(sample, input);
    expect(s.classIds.length).toBe(0);
    expect(s.ignoreXyxy.length).toBe(8);
  });
});

describe('iouCrop', () => {
  it('returns a patch overlapping some object by at least the drawn minimum IoU', () => {
    const sc = scene();
    for (let i = 0; i < 40; i++) {
      const r = iouCrop(fullView(120, 80), sc.boxesXyxy, createRng(i), { ...DEFAULT_IOU_CROP, minIouChoices: [0.5] });
      if (r.view.w === 120 && r.view.h === 80) continue; // gave up: whole picture
      const iou = iouMatrix(Float32Array.of(r.view.x, r.view.y, r.view.x + r.view.w, r.view.y + r.view.h), sc.boxesXyxy);
      expect(Math.max(iou[0], iou[1])).toBeGreaterThanOrEqual(0.5);
      expect(r.keep.length).toBeGreaterThan(0);
      expect(r.view.w).toBeGreaterThanOrEqual(0.3 * 120);
    }
  });
});

describe('photometricDistort', () => {
  const only = (o: Partial<typeof DEFAULT_PHOTOMETRIC>) => ({ ...DEFAULT_PHOTOMETRIC, prob: 1, brightnessDelta: 0, contrast: [1, 1] as [number, number], saturation: [1, 1] as [number, number], hueDelta: 0, ...o });
  it('brightness adds one delta to every channel, clamped', () => {
    const d = Uint8Array.of(10, 100, 250);
    photometricDistort(d, createRng(1), only({ brightnessDelta: 32 }));
    const delta = d[1] - 100;
    expect(Math.abs(delta)).toBeLessThanOrEqual(32);
    expect(delta).not.toBe(0);
    expect(d[0]).toBe(Math.max(0, 10 + delta));
    expect(d[2]).toBe(Math.min(255, 250 + delta));
  });
  it('a 120° hue turn maps red to green; saturation 0.5 halves the chroma', () => {
    const rng = { next: () => 0, uniform: (lo: number, hi: number) => (lo === -120 ? 120 : hi), chance: (p: number) => p > 0, int: () => 0 };
    const d = Uint8Array.of(200, 0, 0);
    photometricDistort(d, rng, only({ hueDelta: 120 }));
    expect(Array.from(d)).toEqual([0, 200, 0]);
    const e = Uint8Array.of(200, 100, 100);
    const half = { next: () => 0, uniform: (lo: number) => lo, chance: (p: number) => p > 0, int: () => 0 };
    photometricDistort(e, half, only({ saturation: [0.5, 0.5] }));
    expect(Array.from(e)).toEqual([200, 150, 150]);
  });
});

describe('writePreview', () => {
  it('writes PNGs of the input size with boxes drawn', async () => {
    const dir = await tempDir('preview');
    const s = augmentSample(scene(), input);
    const [file] = await writePreview([s], path.join(dir, 'p'), ['red', 'green']);
    const { data, info } = await sharp(await readFile(file)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 64]);
    // The box outline of the green object is drawn in class 1's colour over black background
    // at its left edge (x = 80/120·64 ≈ 42.7, middle row).
    const y = 43;
    const row = Array.from({ length: 64 }, (_, x) => data[(y * 64 + x) * info.channels + 1]);
    expect(row.slice(40, 45).some((g) => g > 150)).toBe(true);
  });
});
