/**
 * Export of a trained network to the ssd-stream ONNX contract (the project's writer, spec in the
 * metadata) and the parity check that follows every export: the exported graph in ONNX Runtime
 * and the tfjs model on the same pictures must decode to the same boxes (max abs difference
 * below 1e-4 of the input size) — the proof that export wrote the architecture and weights
 * the trainer trained.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { ErrorCodes, SsdsError } from '../errors.js';
import type { SsdNetwork } from '../models/ssd-network.js';
import { buildSsdOnnx } from '../onnx/ssd-graph.js';
import { softmaxRows, sigmoidInPlace } from '../ssd/activation.js';
import { decodeBoxes } from '../ssd/box-coder.js';
import { generateDefaultBoxes } from '../ssd/default-boxes.js';
import { createRng } from './augment/rng.js';
import { createTfjsSsd } from './model.js';
import { predictFull } from './train-step.js';

/** Largest allowed box difference (normalised coordinates). */
export const PARITY_TOLERANCE = 1e-4;

/** Result of a parity check. */
export interface ParityReport {
  images: number;
  /** Max |ONNX − tfjs| over every decoded box coordinate (normalised to the input). */
  maxAbsBoxDiff: number;
  /** Max |ONNX − tfjs| over every activated class score. */
  maxAbsScoreDiff: number;
  tolerance: number;
  passed: boolean;
  /** tfjs backend the reference ran on. */
  backend: string;
}

/** `count` seeded pictures at the model input size (when no real ones are given). */
export function randomPictures(net: SsdNetwork, count: number, seed = 7): Uint8Array[] {
  const rng = createRng(seed);
  const n = net.spec.input.width * net.spec.input.height * 3;
  return Array.from({ length: count }, () => Uint8Array.from({ length: n }, () => rng.int(256)));
}

/**
 * Runs `onnx` (bytes of an ssd-stream model of `net`) in ONNX Runtime and `net` in tfjs on
 * `pictures` (rgb24 at the input size) and compares decoded boxes and scores.
 */
export async function checkParity(net: SsdNetwork, onnx: Uint8Array, pictures: readonly Uint8Array[], tolerance = PARITY_TOLERANCE): Promise<ParityReport> {
  const { width, height } = net.spec.input;
  const c = net.spec.labels.length;
  const anchors = generateDefaultBoxes(net.spec.anchors, width, height);
  const a = anchors.length / 4;
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const model = createTfjsSsd(net);
  let maxBox = 0;
  let maxScore = 0;
  try {
    const ref = predictFull(
      model,
      pictures.map((data) => ({ image: { data, width, height }, boxesXyxy: new Float32Array(0), classIds: new Int32Array(0), ignoreXyxy: new Float32Array(0) })),
      2,
    );
    for (let i = 0; i < pictures.length; i++) {
      const out = await session.run({ image: new ort.Tensor('uint8', Uint8Array.from(pictures[i]), [1, height, width, 3]) });
      const boxes = out.boxes.data as Float32Array;
      const scores = out.scores.data as Float32Array;
      const refBoxes = decodeBoxes(ref[i].loc, anchors, net.spec.boxCoder);
      const refScores = Float32Array.from(ref[i].logits);
      if (net.spec.scoreActivation === 'softmax') softmaxRows(refScores, a, c, refScores);
      else if (net.spec.scoreActivation === 'sigmoid') sigmoidInPlace(refScores);
      for (let j = 0; j < boxes.length; j++) maxBox = Math.max(maxBox, Math.abs(boxes[j] - refBoxes[j]));
      for (let j = 0; j < scores.length; j++) maxScore = Math.max(maxScore, Math.abs(scores[j] - refScores[j]));
    }
  } finally {
    model.dispose();
    await session.release();
  }
  return { images: pictures.length, maxAbsBoxDiff: maxBox, maxAbsScoreDiff: maxScore, tolerance, passed: maxBox < tolerance, backend: tf.getBackend() };
}

/** Options of {@link exportOnnx}. */
export interface ExportOptions {
  /** Pictures for the parity check (rgb24 at the input size); default: 2 seeded random ones. */
  parityPictures?: readonly Uint8Array[];
  /** Skip the parity check (not recommended; the CLI never does). */
  skipParity?: boolean;
  docString?: string;
}

/**
 * Writes `net` as an ssd-stream ONNX model to `file` and checks parity. Throws
 * `SSDS_ERR_MODEL_INVALID` (after writing, so the file can be inspected) when parity fails.
 */
export async function exportOnnx(net: SsdNetwork, file: string, opts: ExportOptions = {}): Promise<{ file: string; bytes: number; parity?: ParityReport }> {
  const bytes = buildSsdOnnx(net, { docString: opts.docString ?? `ssd-stream SSD "${net.spec.name}" (${net.spec.labels.slice(1).join(', ')}), trained by ssd-stream` });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  if (opts.skipParity) return { file, bytes: bytes.length };
  const parity = await checkParity(net, bytes, opts.parityPictures ?? randomPictures(net, 2));
  if (!parity.passed) {
    throw new SsdsError(
      ErrorCodes.MODEL_INVALID,
      `${file}: ONNX/tfjs parity failed: max box difference ${parity.maxAbsBoxDiff.toExponential(2)} ≥ ${parity.tolerance}`,
    );
  }
  return { file, bytes: bytes.length, parity };
}
