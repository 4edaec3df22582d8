/**
 * INT8 export with its report: calibrate activation ranges on the user's pictures, write the
 * QDQ model (`src/onnx/quantize-ssd.ts`), then measure on this CPU what it buys and costs —
 * the speed-up of one-picture inference over the float model in ONNX Runtime, and the change
 * of mAP@0.5 on the same annotated pictures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import ort from 'onnxruntime-node';
import type { SsdNetwork } from '../models/ssd-network.js';
import { calibrateActivations } from '../onnx/quantize-calibrate.js';
import { buildSsdQdqOnnx } from '../onnx/quantize-ssd.js';
import { selectDetections } from '../ssd/postprocess.js';
import type { Dataset } from './data/dataset-format.js';
import { loadValidation } from './train-data.js';
import { EVAL_POSTPROCESS, scoreValidation, toEvalDetections, type ValImage } from './val-eval.js';

/** What the INT8 export reports. */
export interface Int8Report {
  file: string;
  bytes: number;
  calibrationPictures: number;
  /** Mean ms of one picture, float and INT8 (ONNX Runtime CPU, all cores). */
  floatMs: number;
  int8Ms: number;
  speedup: number;
  /** mAP@0.5 of both models on the annotated pictures (NaN when none had boxes). */
  floatMap50: number;
  int8Map50: number;
  /** INT8 − float. */
  map50Change: number;
}

async function open(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
}

async function runOne(session: ort.InferenceSession, picture: Uint8Array, w: number, h: number): Promise<{ boxes: Float32Array; scores: Float32Array }> {
  const out = await session.run({ image: new ort.Tensor('uint8', Uint8Array.from(picture), [1, h, w, 3]) });
  return { boxes: out.boxes.data as Float32Array, scores: out.scores.data as Float32Array };
}

async function timeMs(session: ort.InferenceSession, pictures: readonly Uint8Array[], w: number, h: number, runs: number): Promise<number> {
  for (let i = 0; i < 2; i++) await runOne(session, pictures[i % pictures.length], w, h);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await runOne(session, pictures[i % pictures.length], w, h);
  return (performance.now() - t0) / runs;
}

async function map50(session: ort.InferenceSession, net: SsdNetwork, pictures: readonly Uint8Array[], images: readonly ValImage[], classes: readonly string[]): Promise<number> {
  const { spec } = net;
  const dets = [];
  for (let i = 0; i < pictures.length; i++) {
    const o = await runOne(session, pictures[i], spec.input.width, spec.input.height);
    const raw = selectDetections(o.boxes, o.scores, { ...spec.postprocess, ...EVAL_POSTPROCESS, backgroundIndex: spec.backgroundIndex, numClasses: spec.labels.length });
    dets.push(...toEvalDetections(raw, images[i], spec));
  }
  return scoreValidation(classes, images, dets).map50;
}

/**
 * Calibrates on up to `maxPictures` pictures of `calibration`, writes the INT8 model to `file`,
 * and compares it with the float model `floatBytes` of the same network on the pictures of
 * `evaluation` (default: the calibration pictures; better: held-out ones, so the mAP change is
 * not measured on the very pictures the ranges were fitted to).
 */
export async function exportInt8(
  net: SsdNetwork,
  floatBytes: Uint8Array,
  calibration: Dataset,
  file: string,
  opts: { maxPictures?: number; timingRuns?: number; evaluation?: Dataset; maxEvalPictures?: number } = {},
): Promise<Int8Report & { evaluationPictures: number }> {
  const subset = { ...calibration, images: calibration.images.slice(0, opts.maxPictures ?? 32) };
  const { samples } = await loadValidation(subset, net.spec);
  const pictures = samples.map((s) => s.image.data);
  const evalSet = opts.evaluation ? { ...opts.evaluation, images: opts.evaluation.images.slice(0, opts.maxEvalPictures ?? 100) } : subset;
  const evaluated = evalSet === subset ? { samples, images: (await loadValidation(subset, net.spec)).images } : await loadValidation(evalSet, net.spec);
  const evalPictures = evaluated.samples.map((s) => s.image.data);
  const images = evaluated.images;
  const ranges = await calibrateActivations(net, pictures);
  const bytes = buildSsdQdqOnnx(net, ranges);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  const { width, height } = net.spec.input;
  const fl = await open(floatBytes);
  const q = await open(bytes);
  try {
    const runs = opts.timingRuns ?? 10;
    const floatMs = await timeMs(fl, pictures, width, height, runs);
    const int8Ms = await timeMs(q, pictures, width, height, runs);
    const hasGt = images.some((i) => i.classIds.length > 0);
    const classes = calibration.classes;
    const floatMap50 = hasGt ? await map50(fl, net, evalPictures, images, classes) : NaN;
    const int8Map50 = hasGt ? await map50(q, net, evalPictures, images, classes) : NaN;
    return { file, bytes: bytes.length, calibrationPictures: pictures.length, evaluationPictures: evalPictures.length, floatMs, int8Ms, speedup: floatMs / int8Ms, floatMap50, int8Map50, map50Change: int8Map50 - floatMap50 };
  } finally {
    await fl.release();
    await q.release();
  }
}
