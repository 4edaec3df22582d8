/**
 * The default model's correctness bar (issue 2, part 4): on face-api's own demo photos the
 * project's ONNX model + post-processing finds what face-api's `SsdMobilenetv1` finds — every
 * reference face at score ≥ 0.5 has a project detection with IoU ≥ 0.95 and a score within 0.02,
 * and there is no extra project detection above 0.52.
 *
 * Three paths:
 * - model parity: both get the same 512×512 padded pixels, so only the networks differ;
 * - photo path: face-api gets the photo (pads and resizes with tf.image.resizeBilinear itself),
 *   the project pads/resizes with its TF-style `resizeBilinearTf` and maps boxes back — the full
 *   bar is asserted;
 * - video path: the project gets the photo scaled and padded by ffmpeg as a video frame would be
 *   (antialiased bilinear). The network reacts to the different resampling, so this path gets a
 *   looser bar (same faces found, IoU ≥ 0.85, scores within 0.25) and its numbers are printed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDefaultModel } from '../../src/models/default-model.js';
import { faceSsdMobilenetV1Spec } from '../../src/models/face-ssd-mobilenetv1.js';
import { resizeBilinearTf } from '../../src/models/resize-bilinear-tf.js';
import { inputToSourceBoxes, placeInInput } from '../../src/ssd/letterbox.js';
import { selectDetections } from '../../src/ssd/postprocess.js';
import { findFfmpeg } from '../../src/video/find-ffmpeg.js';
import { decodeRgb, faceApiDetect, type ReferenceFace, type Rgb } from './face-api-runner.js';

const require = createRequire(import.meta.url);
const demoDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const photos = existsSync(demoDir) ? readdirSync(demoDir).filter((f) => /^sample.*\.jpg$/.test(f)).sort() : [];

const MIN_CONFIDENCE = 0.5;
const MIN_IOU = 0.95;
const MAX_SCORE_DIFF = 0.02;
const EXTRA_SCORE = 0.52;
/** Looser bar of the ffmpeg (video) path; see the header. */
const VIDEO_BAR = { minIou: 0.85, maxScoreDiff: 0.25 };
const spec = faceSsdMobilenetV1Spec();

/** Sharp's linear resize + black padding: 512×512 pixels both models get in the parity test. */
async function sharpModelInput(img: Rgb): Promise<Uint8Array> {
  const { width, height } = spec.input;
  const p = placeInInput(img.width, img.height, spec.input);
  const { data } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(p.scaledWidth, p.scaledHeight, { fit: 'fill', kernel: 'linear' })
    .extend({ right: width - p.scaledWidth, bottom: height - p.scaledHeight, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** The photo decoded, scaled and padded by ffmpeg with the filters of the video path. */
function ffmpegModelInput(ffmpeg: string, file: string): Uint8Array {
  const { width: w, height: h } = spec.input;
  const vf = `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=bilinear,format=rgb24,pad=${w}:${h}:0:0:black`;
  const out = execFileSync(ffmpeg, ['-v', 'error', '-i', file, '-vf', vf, '-frames:v', '1', '-f', 'rawvideo', '-']);
  expect(out.length).toBe(w * h * 3);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function iou(a: readonly number[], b: readonly number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

interface Parity {
  faces: number;
  minIou: number;
  maxScoreDiff: number;
  extras: number[];
  unmatched: number;
}

/** Matches reference faces to project detections (best IoU each) and counts extras. */
function compare(ref: ReferenceFace[], ours: ReferenceFace[], matchIou = MIN_IOU): Parity {
  const used = new Set<number>();
  let minIou = 1;
  let maxScoreDiff = 0;
  let unmatched = 0;
  for (const r of ref) {
    let best = -1;
    let bestIou = 0;
    ours.forEach((o, j) => {
      const v = iou(r.box, o.box);
      if (v > bestIou && !used.has(j)) {
        bestIou = v;
        best = j;
      }
    });
    minIou = Math.min(minIou, bestIou);
    if (best < 0 || bestIou < matchIou) {
      unmatched++;
      continue;
    }
    used.add(best);
    maxScoreDiff = Math.max(maxScoreDiff, Math.abs(r.score - ours[best].score));
  }
  const extras = ours.filter((o, j) => !used.has(j) && o.score > EXTRA_SCORE).map((o) => o.score);
  return { faces: ref.length, minIou: ref.length ? minIou : 1, maxScoreDiff, extras, unmatched };
}

describe.skipIf(photos.length === 0)('default model vs face-api SsdMobilenetv1 on demo photos', () => {
  let session: ort.InferenceSession;
  const report: Record<string, unknown> = {};

  let ffmpeg: string | undefined;

  beforeAll(async () => {
    ffmpeg = await findFfmpeg().catch(() => undefined);
    session = await ort.InferenceSession.create(buildDefaultModel(), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session?.release();
    console.log(JSON.stringify(report, null, 1));
  });

  /** Runs the ONNX model on one input picture; boxes normalised to that input. */
  async function detect(input: Uint8Array): Promise<{ boxes: Float32Array; scores: Float32Array; count: number }> {
    const { width, height } = spec.input;
    const out = await session.run({ image: new ort.Tensor('uint8', input, [1, height, width, 3]) });
    const sel = selectDetections(out.boxes.data as Float32Array, out.scores.data as Float32Array, {
      ...spec.postprocess,
      scoreThreshold: MIN_CONFIDENCE,
      backgroundIndex: spec.backgroundIndex,
      numClasses: spec.labels.length,
    });
    return { boxes: sel.boxes, scores: sel.scores, count: sel.count };
  }

  function faces(d: { boxes: Float32Array; scores: Float32Array; count: number }): ReferenceFace[] {
    return Array.from({ length: d.count }, (_, i) => ({
      score: d.scores[i],
      box: [d.boxes[i * 4], d.boxes[i * 4 + 1], d.boxes[i * 4 + 2], d.boxes[i * 4 + 3]],
    }));
  }

  function assertParity(name: string, p: Parity): void {
    expect.soft(p.unmatched, `${name}: reference faces without a detection at IoU ≥ ${MIN_IOU}`).toBe(0);
    expect.soft(p.maxScoreDiff, `${name}: score difference`).toBeLessThanOrEqual(MAX_SCORE_DIFF);
    expect.soft(p.extras, `${name}: extra detections above ${EXTRA_SCORE}`).toEqual([]);
  }

  it.each(photos)('model parity on %s (same 512×512 padded pixels)', async (photo) => {
    const img = await decodeRgb(join(demoDir, photo));
    const input = await sharpModelInput(img);
    const ref = await faceApiDetect({ data: input, width: spec.input.width, height: spec.input.height }, MIN_CONFIDENCE);
    expect(ref.length).toBeGreaterThan(0);
    const clipped = faces(await detect(input)).map((f) => ({ ...f, box: f.box.map((v) => Math.min(1, Math.max(0, v))) as ReferenceFace['box'] }));
    const p = compare(ref, clipped);
    report[`parity ${photo}`] = p;
    assertParity(photo, p);
  });

  it.each(photos)('photo path on %s (face-api resizes itself, the project with resizeBilinearTf)', async (photo) => {
    const img = await decodeRgb(join(demoDir, photo));
    const ref = await faceApiDetect(img, MIN_CONFIDENCE);
    const d = await detect(resizeBilinearTf(img.data, img.width, img.height, spec.input));
    inputToSourceBoxes(d.boxes, d.count, spec.input, img.width, img.height);
    const p = compare(ref, faces(d));
    report[`photo ${photo}`] = p;
    assertParity(photo, p);
  });

  it.each(photos)('video path on %s (ffmpeg scales and pads)', async (photo) => {
    if (!ffmpeg) return void console.warn('ffmpeg not found: video-path parity skipped');
    const img = await decodeRgb(join(demoDir, photo));
    const ref = await faceApiDetect(img, MIN_CONFIDENCE);
    const d = await detect(ffmpegModelInput(ffmpeg, join(demoDir, photo)));
    inputToSourceBoxes(d.boxes, d.count, spec.input, img.width, img.height);
    // Match at the looser IoU so the score difference is measured on the right face.
    const ours = faces(d);
    const p = compare(ref, ours, VIDEO_BAR.minIou);
    report[`video ${photo}`] = p;
    expect.soft(p.unmatched, `${photo}: reference faces without a detection at IoU ≥ ${VIDEO_BAR.minIou}`).toBe(0);
    expect.soft(p.maxScoreDiff, `${photo}: score difference`).toBeLessThanOrEqual(VIDEO_BAR.maxScoreDiff);
  });
});
