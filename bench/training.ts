/**
 * Training speed (`npm run bench -- training`, or `node --import tsx bench/training.ts`), one
 * JSON object on stdout. At the default input size (face-api's 512×512, 5118 default boxes):
 *
 * - `featureExtraction`: pictures/s of the frozen trunk in ONNX Runtime (batch 8);
 * - `headSteps[backend]`: images/s of one head-training step (forward, SSD loss with hard
 *   negative mining, backward, SGD) on cached features, for each tfjs backend that loads;
 * - `unfrozenSteps[backend]`: images/s of one whole-network step (batch 1; only with
 *   `--unfrozen`), or why the backend cannot. tfjs's pure-JS convolution gradients would take
 *   tens of minutes for one 512-px step, so it runs at `--unfrozen-size` (128) and the
 *   512-px rate is extrapolated by pixel count (the network's work is proportional to it);
 * - `peer`: the same head training and whole-network step in PyTorch (python3-torch) when
 *   installed;
 * - `estimate500x10`: the time of `train --base face` on 500 frames for 10 epochs from these
 *   rates, against the 15-minute target.
 *
 * Flags: `--steps N` (timed steps per backend, default 4), `--batch B` (8), `--unfrozen`,
 * `--size PX` (512), `--variants V` (cached variants per picture, as `train`, default 3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { generateDefaultBoxes } from '../src/ssd/default-boxes.js';
import { createBaseNetwork } from '../src/training/base-network.js';
import { selectTrainingBackend, type TrainingBackend } from '../src/training/backend.js';
import { createFeatureExtractor, featureShapes, type CachedFeatures } from '../src/training/feature-cache.js';
import { createHeads } from '../src/training/heads-model.js';
import { createTfjsSsd } from '../src/training/model.js';
import { createOptimizer } from '../src/training/optimizer.js';
import { DEFAULT_LOSS_OPTIONS } from '../src/training/ssd-loss.js';
import { sampleTargets } from '../src/training/train-data.js';
import { fullStep, headsStep } from '../src/training/train-step.js';
import { createRng } from '../src/training/augment/rng.js';
import type { ModelSample } from '../src/training/augment/sample.js';
import { setLogLevel } from '../src/util/logger.js';

setLogLevel('warn');
/** Process CPU time (user + system), ms: unlike wall time, not inflated by other load. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const steps = arg('steps', 4);
const batch = arg('batch', 8);
const size = arg('size', 512);
const variants = arg('variants', 3);
const unfrozen = process.argv.includes('--unfrozen');
const unfrozenSize = arg('unfrozen-size', 128);

const { net } = createBaseNetwork({ base: 'face', classes: ['a', 'b', 'c'], inputSize: size });
const anchors = generateDefaultBoxes(net.spec.anchors, size, size);
const rng = createRng(42);

/** Pictures with 1–3 random boxes: noise images, real targets. */
function samples(n: number): ModelSample[] {
  return Array.from({ length: n }, () => {
    const k = 1 + rng.int(3);
    const boxes = new Float32Array(k * 4);
    for (let j = 0; j < k; j++) {
      const w = 0.1 + rng.next() * 0.4, h = 0.1 + rng.next() * 0.4;
      const x = rng.next() * (1 - w), y = rng.next() * (1 - h);
      boxes.set([x, y, x + w, y + h], 4 * j);
    }
    const data = Uint8Array.from({ length: size * size * 3 }, () => rng.int(256));
    return { image: { data, width: size, height: size }, boxesXyxy: boxes, classIds: Int32Array.from({ length: k }, () => rng.int(3)), ignoreXyxy: new Float32Array(0) };
  });
}

const pics = samples(batch);
const targets = pics.map((s) => sampleTargets(s, anchors, net.spec));

// Feature extraction in ONNX Runtime (all cores).
const extractor = await createFeatureExtractor(net, availableParallelism());
await extractor.extract(pics.slice(0, 2).map((s) => s.image.data));
let t0 = performance.now();
const e0 = cpuMs();
let feats: CachedFeatures[] = [];
const extractRounds = Math.max(1, Math.ceil(steps / 2));
for (let r = 0; r < extractRounds; r++) feats = await extractor.extract(pics.map((s) => s.image.data));
const extractPerSec = (extractRounds * batch) / ((performance.now() - t0) / 1000);
// ONNX Runtime's threads count in process CPU time: pictures per CPU-second, so the idle-machine
// rate is about cores × this.
const extractPerCpuSec = (extractRounds * batch) / ((cpuMs() - e0) / 1000);
await extractor.close();

const shapes = featureShapes(net);
const views = feats.map((f, i) => ({ features: f, ...targets[i] }));
const headSteps: Record<string, { imagesPerSec: number; msPerStep: number; cpuMsPerStep: number; imagesPerCpuSec: number } | { error: string }> = {};
const unfrozenSteps: Record<string, { measuredAt: number; imagesPerSecMeasured: number; msPerStepMeasured: number; imagesPerSec: number; extrapolated: boolean; batch: number } | { error: string } | { skipped: string }> = {};
const backends: TrainingBackend[] = ['wasm', 'cpu'];
for (const b of backends) {
  try {
    await selectTrainingBackend(b);
  } catch (e) {
    headSteps[b] = { error: (e as Error).message };
    continue;
  }
  const heads = createHeads(net);
  const opt = createOptimizer(heads.variables(), { kind: 'sgd' });
  headsStep(heads, shapes, views, opt, DEFAULT_LOSS_OPTIONS, 1e-3);
  t0 = performance.now();
  const c0 = cpuMs();
  for (let s = 0; s < steps; s++) headsStep(heads, shapes, views, opt, DEFAULT_LOSS_OPTIONS, 1e-3);
  const ms = (performance.now() - t0) / steps;
  const cms = (cpuMs() - c0) / steps;
  headSteps[b] = { imagesPerSec: (batch * 1000) / ms, msPerStep: ms, cpuMsPerStep: cms, imagesPerCpuSec: (batch * 1000) / cms };
  heads.dispose();
  opt.dispose();

  if (!unfrozen) {
    unfrozenSteps[b] = { skipped: 'pass --unfrozen (one whole-network step takes minutes on a CPU)' };
    continue;
  }
  const small = createBaseNetwork({ base: 'face', classes: ['a', 'b', 'c'], inputSize: unfrozenSize }).net;
  const smallAnchors = generateDefaultBoxes(small.spec.anchors, unfrozenSize, unfrozenSize);
  const smallPic: ModelSample = { ...pics[0], image: { data: pics[0].image.data.subarray(0, unfrozenSize * unfrozenSize * 3), width: unfrozenSize, height: unfrozenSize } };
  const smallTargets = [sampleTargets(smallPic, smallAnchors, small.spec)];
  const model = createTfjsSsd(small);
  const fopt = createOptimizer([...model.trunkVariables(), ...model.headVariables()], { kind: 'sgd' });
  try {
    t0 = performance.now();
    fullStep(model, [smallPic], smallTargets, fopt, DEFAULT_LOSS_OPTIONS, 1e-4);
    const fms = performance.now() - t0;
    const scale = (size * size) / (unfrozenSize * unfrozenSize);
    unfrozenSteps[b] = { measuredAt: unfrozenSize, imagesPerSecMeasured: 1000 / fms, msPerStepMeasured: fms, imagesPerSec: 1000 / (fms * scale), extrapolated: scale !== 1, batch: 1 };
  } catch (e) {
    unfrozenSteps[b] = { error: (e as Error).message };
  } finally {
    model.dispose();
    fopt.dispose();
  }
}

// PyTorch peer: the same shapes and loss, heads only and the whole network.
let peer: unknown = { skipped: 'python3 with torch not found' };
const script = fileURLToPath(new URL('./peers/torch_training.py', import.meta.url));
const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
if (existsSync('/usr/bin/python3') && probe.status === 0) {
  const r = spawnSync('/usr/bin/python3', [script, '--size', String(size), '--batch', String(batch), '--steps', String(steps), ...(unfrozen ? ['--unfrozen'] : [])], { encoding: 'utf8', timeout: 1_800_000 });
  peer = r.status === 0 ? JSON.parse(r.stdout) : { error: r.stderr.slice(-500) };
}

const bestHeads = Math.max(...Object.values(headSteps).map((h) => ('imagesPerSec' in h ? h.imagesPerSec : 0)));
const frames = 500;
const epochs = 10;
const extractionSeconds = (frames * variants) / extractPerSec;
const trainingSeconds = (frames * epochs) / bestHeads;
// The same from CPU time: what the run takes when this process has the cores to itself.
const bestHeadsCpu = Math.max(...Object.values(headSteps).map((h) => ('imagesPerCpuSec' in h ? h.imagesPerCpuSec : 0)));
const idleExtraction = (frames * variants) / (extractPerCpuSec * availableParallelism());
const idleTraining = (frames * epochs) / bestHeadsCpu;
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'training',
      cpu: cpus()[0]?.model,
      cores: availableParallelism(),
      inputSize: size,
      defaultBoxes: anchors.length / 4,
      batch,
      loadAverage1m: loadavg()[0],
      featureExtraction: { picturesPerSec: extractPerSec, picturesPerCpuSec: extractPerCpuSec, threads: availableParallelism() },
      headSteps,
      unfrozenSteps,
      peer,
      estimate500x10: {
        variants,
        extractionSeconds,
        trainingSeconds,
        totalSeconds: extractionSeconds + trainingSeconds,
        targetSeconds: 900,
        meetsTarget: extractionSeconds + trainingSeconds < 900,
        idleMachine: { extractionSeconds: idleExtraction, trainingSeconds: idleTraining, totalSeconds: idleExtraction + idleTraining, meetsTarget: idleExtraction + idleTraining < 900 },
        note: 'validation passes and JPEG decoding not included; extraction runs before training',
      },
    },
    null,
    2,
  )}\n`,
);
tf.disposeVariables();
