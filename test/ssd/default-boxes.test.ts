import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boxesPerLocation, countDefaultBoxes, generateDefaultBoxes } from '../../src/ssd/default-boxes.js';
import { cxcywhToXyxy, yxyxToXyxy } from '../../src/ssd/box-format.js';
import { anchorSpecSchema, type AnchorSpec, type AnchorSpecInput } from '../../src/ssd/spec.js';
import { hasTorchvision, maxAbsDiff, torchRef } from './torch-ref.js';

/** Parses (fills defaults) and keeps the generator type narrow, so spreads stay typed. */
const spec = <T extends AnchorSpecInput>(s: T) => anchorSpecSchema.parse(s) as Extract<AnchorSpec, { type: T['type'] }>;
/** Row `a` of an `(A,4)` array. */
const row = (b: Float32Array, a: number) => [...b.subarray(4 * a, 4 * a + 4)];
const close = (got: number[], want: number[], digits = 6) =>
  want.forEach((w, i) => expect(got[i], `value ${i} of [${got}]`).toBeCloseTo(w, digits));

// face-api's SSD MobileNetV1: 512x512, MobileNetV1 feature maps 32,16,8,4,2,1, TF defaults.
const FACE_API = spec({
  type: 'tf-grid',
  featureMaps: [[32, 32], [16, 16], [8, 8], [4, 4], [2, 2], [1, 1]],
});

describe('TF OD API multiple-grid anchors (create_ssd_anchors + tile_anchors)', () => {
  it('has the face-api layout: 5118 boxes, 3 per location on the first map, 6 after', () => {
    expect(boxesPerLocation(FACE_API)).toEqual([3, 6, 6, 6, 6, 6]);
    expect(countDefaultBoxes(FACE_API)).toBe(5118);
    expect(generateDefaultBoxes(FACE_API, 512, 512).length).toBe(5118 * 4);
  });

  it('matches hand-worked values', () => {
    const a = generateDefaultBoxes(FACE_API, 512, 512);
    const c = 0.5 / 32;
    // Reduced lowest layer: (0.1, 1), (s0 = 0.2, 2): w = 0.2*sqrt2, h = 0.2/sqrt2, (0.2, 0.5).
    close(row(a, 0), [c, c, 0.1, 0.1]);
    close(row(a, 1), [c, c, 0.2 * Math.SQRT2, 0.2 / Math.SQRT2]);
    close(row(a, 2), [c, c, 0.2 / Math.SQRT2, 0.2 * Math.SQRT2]);
    // Next location is x + 1 (x runs fastest), same y.
    close(row(a, 3), [3 * c, c, 0.1, 0.1]);
    // Row 1 of the first map starts after 32 locations.
    close(row(a, 32 * 3), [c, 3 * c, 0.1, 0.1]);
    // Layer 1 (16x16): s1 = 0.2 + 0.75/5 = 0.35, ratios 1, 2, 0.5, 3, 1/3, then sqrt(s1*s2) at 1.
    const l1 = 32 * 32 * 3;
    const s1 = 0.35, s2 = 0.5, c1 = 0.5 / 16;
    close(row(a, l1), [c1, c1, s1, s1]);
    close(row(a, l1 + 3), [c1, c1, s1 * Math.sqrt(3), s1 / Math.sqrt(3)]);
    close(row(a, l1 + 5), [c1, c1, Math.sqrt(s1 * s2), Math.sqrt(s1 * s2)]);
    // Last layer (1x1): s5 = 0.95, interpolated with the appended 1.0.
    const last = 5118 - 6;
    close(row(a, last), [0.5, 0.5, 0.95, 0.95]);
    close(row(a, last + 5), [0.5, 0.5, Math.sqrt(0.95), Math.sqrt(0.95)]);
  });

  it('scales the base anchor by min(H,W)/side on a non-square input, and honours options', () => {
    const s = spec({
      type: 'tf-grid',
      featureMaps: [[3, 6], [1, 2]],
      reduceBoxesInLowestLayer: false,
      interpolatedScaleAspectRatio: 0,
      aspectRatios: [1],
      minScale: 0.3,
      maxScale: 0.6,
    });
    expect(boxesPerLocation(s)).toEqual([1, 1]);
    const a = generateDefaultBoxes(s, 600, 300); // W=600, H=300
    // w = 0.3 * (300/600), h = 0.3: square in pixels (90 x 90).
    close(row(a, 0), [1 / 12, 1 / 6, 0.15, 0.3]);
    close(row(a, 7), [0.25, 0.5, 0.15, 0.3]); // map 0 is 3 rows x 6 columns: row 1, column 1
    // Map 1 (1x2): s = 0.6, w = 0.6 * 0.5.
    close(row(a, 18), [0.25, 0.5, 0.3, 0.6]);
  });

  const faceApiModel = fileURLToPath(new URL('../../node_modules/@vladmandic/face-api/model/', import.meta.url));
  const manifestPath = `${faceApiModel}ssd_mobilenetv1_model-weights_manifest.json`;
  it.skipIf(!existsSync(manifestPath))("reproduces the anchors stored in face-api's weights (Output/extra_dim)", () => {
    const stored = readFaceApiAnchors(faceApiModel, manifestPath); // (5118,4) ymin,xmin,ymax,xmax
    expect(stored.length).toBe(5118 * 4);
    // The model's pipeline config spells 1/3 as 0.3333 (the ssd_mobilenet_v1 sample configs
    // do); with exactly 1/3 the tallest box differs by 4e-5.
    const faceApi = { ...FACE_API, aspectRatios: [1, 2, 0.5, 3, 0.3333] };
    const ours = cxcywhToXyxy(generateDefaultBoxes(faceApi, 512, 512));
    // face-api's model comes from the 2017 TF OD API, whose create_ssd_anchors inserted the
    // interpolated-scale box right after ratio 1.0 (`if aspect_ratio == 1.0: append(...)`); the
    // current source appends it last, which is what the generator follows. So per cell of the
    // 6-box layers, stored slot order = our slots [0, 5, 1, 2, 3, 4]; the 3-box layer is equal.
    const permuted = new Float32Array(ours.length);
    const firstLayer = 32 * 32 * 3;
    permuted.set(ours.subarray(0, firstLayer * 4));
    const slots = [0, 5, 1, 2, 3, 4];
    for (let cell = firstLayer; cell < 5118; cell += 6) {
      slots.forEach((from, to) => permuted.set(ours.subarray((cell + from) * 4, (cell + from) * 4 + 4), (cell + to) * 4));
    }
    expect(maxAbsDiff(permuted, yxyxToXyxy(stored))).toBeLessThan(1e-6);
  });
});

/** Reads the float32 tensor `Output/extra_dim` out of face-api's tfjs weight files. */
function readFaceApiAnchors(dir: string, manifestPath: string): Float32Array {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string; quantization?: { dtype: string } }[];
  }[];
  const bytesPer: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
  for (const group of manifest) {
    const bin = Buffer.concat(group.paths.map((p) => readFileSync(dir + p)));
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (w.name === 'Output/extra_dim') {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = bin.readFloatLE(offset + 4 * i);
        return out;
      }
      offset += n * (w.quantization ? bytesPer[w.quantization.dtype] : 4);
    }
  }
  throw new Error('Output/extra_dim not found in the face-api manifest');
}

describe('SSD paper default boxes (PriorBox order)', () => {
  const paper = spec({
    type: 'ssd',
    featureMaps: [[2, 2], [1, 1]],
    minScale: 0.2,
    maxScale: 0.9,
    aspectRatios: [[2], [2, 3]],
  });

  it('counts 2 + 2 per ratio with flip, 2 + 1 per ratio without', () => {
    expect(boxesPerLocation(paper)).toEqual([4, 6]);
    expect(countDefaultBoxes(paper)).toBe(2 * 2 * 4 + 6);
    expect(boxesPerLocation({ ...paper, flip: false })).toEqual([3, 4]);
  });

  it('matches hand-worked values: s_k, sqrt(s_k s_k+1), r and 1/r, s_{m+1} extrapolated', () => {
    const a = generateDefaultBoxes(paper, 300, 300);
    // Layer 0: s0 = 0.2, s1 = 0.9, centre (0.25, 0.25).
    close(row(a, 0), [0.25, 0.25, 0.2, 0.2]);
    close(row(a, 1), [0.25, 0.25, Math.sqrt(0.18), Math.sqrt(0.18)]);
    close(row(a, 2), [0.25, 0.25, 0.2 * Math.SQRT2, 0.2 / Math.SQRT2]);
    close(row(a, 3), [0.25, 0.25, 0.2 / Math.SQRT2, 0.2 * Math.SQRT2]);
    close(row(a, 4), [0.75, 0.25, 0.2, 0.2]); // x runs fastest
    close(row(a, 8), [0.25, 0.75, 0.2, 0.2]);
    // Layer 1: s1 = 0.9, s2 = 0.9 + 0.7 = 1.6 (Caffe-style extrapolation).
    close(row(a, 16), [0.5, 0.5, 0.9, 0.9]);
    close(row(a, 17), [0.5, 0.5, Math.sqrt(0.9 * 1.6), Math.sqrt(0.9 * 1.6)]);
    close(row(a, 20), [0.5, 0.5, 0.9 * Math.sqrt(3), 0.9 / Math.sqrt(3)]);
    close(row(a, 21), [0.5, 0.5, 0.9 / Math.sqrt(3), 0.9 * Math.sqrt(3)]);
    const clipped = generateDefaultBoxes({ ...paper, clip: true }, 300, 300);
    close(row(clipped, 17), [0.5, 0.5, 1, 1]);
  });

  it("ssd.pytorch's SSD300 priors are the torchvision type with its sizes and steps (hand-worked)", () => {
    const s = spec({
      type: 'torchvision',
      featureMaps: [[38, 38], [19, 19], [10, 10], [5, 5], [3, 3], [1, 1]],
      aspectRatios: [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
      scales: [30, 60, 111, 162, 213, 264, 315].map((v) => v / 300),
      steps: [8, 16, 32, 64, 100, 300],
    });
    expect(countDefaultBoxes(s)).toBe(8732);
    const a = generateDefaultBoxes(s, 300, 300);
    const c0 = (0.5 * 8) / 300;
    close(row(a, 0), [c0, c0, 0.1, 0.1]); // min_size 30
    close(row(a, 1), [c0, c0, Math.sqrt(0.1 * 0.2), Math.sqrt(0.1 * 0.2)]); // sqrt(30 * 60)
    close(row(a, 2), [c0, c0, 0.1 * Math.SQRT2, 0.1 / Math.SQRT2]);
    close(row(a, 4), [(1.5 * 8) / 300, c0, 0.1, 0.1]);
    // 3x3 map, step 100: centre (2.5 * 100 / 300); min 213, max 264.
    const l4 = 4 * (38 * 38) + 6 * (19 * 19 + 10 * 10 + 5 * 5);
    close(row(a, l4 + 4 * 8), [2.5 / 3, 2.5 / 3, 0.71, 0.71]);
  });

  it('rejects ratio lists that do not match the feature maps, naming the key', () => {
    expect(() => countDefaultBoxes({ ...paper, aspectRatios: [[2]] })).toThrow(/anchors.aspectRatios/);
  });
});

interface AnchorRef {
  configs: {
    name: string;
    featureMaps: [number, number][];
    imageHeight: number;
    imageWidth: number;
    aspectRatios: number[][];
    minRatio: number | null;
    maxRatio: number | null;
    scales: number[] | null;
    steps: number[] | null;
    clip: boolean;
    perLocation: number[];
    cxcywh: number[];
    xyxyPixels: number[];
  }[];
}

describe.skipIf(!hasTorchvision)('torchvision DefaultBoxGenerator, against torchvision itself', () => {
  const ref = hasTorchvision ? torchRef<AnchorRef>('anchors') : { configs: [] };
  const counts: Record<string, number> = { ssd300_vgg16: 8732, ssdlite320: 3234 };

  for (const c of ref.configs.filter((x) => x.name !== 'paper-equivalent')) {
    it(`${c.name}: same count, order and values`, () => {
      const s = spec({
        type: 'torchvision',
        featureMaps: c.featureMaps,
        aspectRatios: c.aspectRatios,
        ...(c.minRatio !== null ? { minRatio: c.minRatio } : {}),
        ...(c.maxRatio !== null ? { maxRatio: c.maxRatio } : {}),
        ...(c.scales !== null ? { scales: c.scales } : {}),
        ...(c.steps !== null ? { steps: c.steps } : {}),
        clip: c.clip,
      });
      expect(boxesPerLocation(s)).toEqual(c.perLocation);
      if (counts[c.name] !== undefined) expect(countDefaultBoxes(s)).toBe(counts[c.name]);
      const a = generateDefaultBoxes(s, c.imageWidth, c.imageHeight);
      expect(a.length).toBe(c.cxcywh.length);
      expect(maxAbsDiff(a, c.cxcywh)).toBeLessThan(1e-6);
      // forward(): xyxy pixels = (c ∓ wh/2) * (W, H).
      const px = cxcywhToXyxy(a);
      for (let i = 0; i < px.length; i++) px[i] *= i % 2 === 0 ? c.imageWidth : c.imageHeight;
      expect(maxAbsDiff(px, c.xyxyPixels)).toBeLessThan(1e-3);
    });
  }

  it('the SSD paper generator equals DefaultBoxGenerator with the paper scales (same PriorBox order)', () => {
    const c = ref.configs.find((x) => x.name === 'paper-equivalent')!;
    const s = spec({
      type: 'ssd',
      featureMaps: c.featureMaps,
      minScale: c.scales![0],
      maxScale: c.scales![c.featureMaps.length - 1],
      aspectRatios: c.aspectRatios,
      clip: false,
    });
    expect(boxesPerLocation(s)).toEqual(c.perLocation);
    expect(maxAbsDiff(generateDefaultBoxes(s, c.imageWidth, c.imageHeight), c.cxcywh)).toBeLessThan(1e-6);
  });
});
