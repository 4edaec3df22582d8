/**
 * The training loop (`ssd-stream train`): load data → starting network → feature cache (the
 * frozen trunk in ONNX Runtime) → epochs of head training in tfjs (or, from `unfreezeEpoch`, the
 * whole tfjs SSD) with a warm-up + cosine schedule → val mAP every epoch → checkpoints (`last`
 * every epoch with optimiser state, `best` by val mAP@0.5) → `best.onnx` with a parity check.
 * Logs go to `out/train.jsonl`, the curves to `out/loss-curve.png`.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import * as tf from '@tensorflow/tfjs';
import { ErrorCodes, SsdsError } from '../errors.js';
import type { SsdNetwork } from '../models/ssd-network.js';
import { generateDefaultBoxes } from '../ssd/default-boxes.js';
import { logger } from '../util/logger.js';
import { writePreview } from './augment/preview.js';
import type { ModelSample } from './augment/sample.js';
import { selectTrainingBackend, type TrainingBackend } from './backend.js';
import { createBaseNetwork } from './base-network.js';
import { isCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint, type TrainerState } from './checkpoint.js';
import { createFeatureExtractor, featureShapes, type CachedFeatures } from './feature-cache.js';
import { exportOnnx, type ParityReport } from './export-model.js';
import { createHeads, writeHeadsInto, type SsdHeads } from './heads-model.js';
import { writeLossCurve, type EpochPoint } from './loss-curve.js';
import { createTfjsSsd, writeModelInto, type TfjsSsd } from './model.js';
import { createOptimizer, learningRateAt, type Optimizer } from './optimizer.js';
import { DEFAULT_LOSS_OPTIONS, type SsdLossOptions } from './ssd-loss.js';
import { buildFeatureCache, loadRunData, loadValidation, sampleTargets, variantSample, type CachedView } from './train-data.js';
import { parseTrainOptions, type TrainOptions, type TrainOptionsInput } from './train-options.js';
import { fullStep, headsStep, predictFull, predictHeads, type RawOutputs, type StepResult } from './train-step.js';
import { createSampleLoader } from './data/sample-loader.js';
import { detectFromRaw, scoreValidation, toEvalDetections, type ValImage } from './val-eval.js';
import { createRng, seedHash } from './augment/rng.js';

const log = logger.child({ module: 'train' });

/** What a run returns. */
export interface TrainResult {
  out: string;
  backend: TrainingBackend;
  /** val mAP@0.5 before the first step (undefined when resumed). */
  initialMap50?: number;
  bestMap50: number;
  bestEpoch: number;
  history: EpochPoint[];
  /** Training images per second over the run's steps (excluding feature extraction). */
  imagesPerSec: number;
  /** Feature extraction, pictures per second. */
  extractPerSec: number;
  onnx?: { file: string; parity?: ParityReport };
}

/** Model state during a run: heads on cached features, or the whole tfjs SSD. */
type Trainable = { mode: 'heads'; heads: SsdHeads; opt: Optimizer } | { mode: 'all'; model: TfjsSsd; opt: Optimizer };

function shuffled(n: number, seed: number): number[] {
  const rng = createRng(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function evaluate(outputs: RawOutputs[], images: ValImage[], net: SsdNetwork, anchors: Float32Array, classes: string[]): { map50: number; map: number } {
  const dets = outputs.flatMap((o, i) => toEvalDetections(detectFromRaw(o.loc, o.logits, anchors, net.spec), images[i], net.spec));
  const r = scoreValidation(classes, images, dets);
  return { map50: r.map50, map: r.map };
}

/** Runs a training job (see the module doc). */
export async function train(input: TrainOptionsInput): Promise<TrainResult> {
  const opts: Readonly<TrainOptions> = parseTrainOptions(input);
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const jsonl = join(out, 'train.jsonl');
  const record = (o: Record<string, unknown>): void => appendFileSync(jsonl, `${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);

  const backend = await selectTrainingBackend(opts.backend);
  const data = await loadRunData(opts);
  const lastBase = join(out, 'last');
  const resumed: Checkpoint | undefined = opts.resume && isCheckpoint(lastBase) ? loadCheckpoint(lastBase) : undefined;
  if (opts.resume && !resumed) log.warn({ out }, `--resume: no ${lastBase}.ckpt.json, starting fresh`);
  let net: SsdNetwork;
  let state: TrainerState;
  if (resumed) {
    net = resumed.net;
    state = resumed.state;
    log.info({ epoch: state.epoch }, `resuming ${lastBase} after epoch ${state.epoch}`);
  } else {
    const base = createBaseNetwork({ base: opts.base, classes: data.classes, inputSize: opts.inputSize, name: `ssd-${data.classes.join('-')}`, seed: opts.seed });
    log.info(base.description);
    net = base.net;
    state = { epoch: 0, step: 0, bestMap50: -1, bestEpoch: 0, options: { ...opts }, trained: 'heads' };
  }
  if (net.spec.labels.slice(1).join('\u0001') !== data.classes.join('\u0001')) {
    throw new SsdsError(ErrorCodes.CONFIG_INVALID, `the model's classes [${net.spec.labels.slice(1)}] differ from the data's [${data.classes}]`);
  }
  const { width, height } = net.spec.input;
  const anchors = generateDefaultBoxes(net.spec.anchors, width, height);
  const lossOpts: SsdLossOptions = { ...DEFAULT_LOSS_OPTIONS, alpha: opts.alpha, negPosRatio: opts.negPosRatio };
  record({ type: 'start', backend, options: opts, train: data.train.images.length, val: data.val.images.length, classes: data.classes, input: [width, height], anchors: anchors.length / 4 });

  // Feature cache: the trunk runs in ONNX Runtime on every core while it is frozen.
  const unfreezeAt = opts.unfreezeEpoch ?? Infinity;
  const needCache = state.trained !== 'all' && state.epoch + 1 < unfreezeAt;
  const val = await loadValidation(data.val, net.spec);
  let cache: CachedView[][] = [];
  const valFeatures: CachedFeatures[] = [];
  const shapes = featureShapes(net);
  let extractPerSec = 0;
  const previews: ModelSample[] = [];
  if (needCache) {
    const extractor = await createFeatureExtractor(net, opts.threads);
    const t0 = performance.now();
    const bar = opts.progress && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'features  [{bar}] {value}/{total} pictures | {eta}s left', stream: process.stderr }) : undefined;
    bar?.start(data.train.images.length, 0);
    cache = await buildFeatureCache(data.train, net, anchors, extractor, {
      variants: opts.variants,
      seed: opts.seed,
      onProgress: (d) => bar?.update(d),
      onSample: (s, i, v) => {
        if (opts.preview && v > 0 && previews.length < 16) previews.push(s);
      },
    });
    bar?.stop();
    for (let i = 0; i < val.samples.length; i += 8) valFeatures.push(...(await extractor.extract(val.samples.slice(i, i + 8).map((s) => s.image.data))));
    await extractor.close();
    const pics = data.train.images.length * opts.variants + val.samples.length;
    extractPerSec = pics / ((performance.now() - t0) / 1000);
    log.info({ pictures: pics, perSec: +extractPerSec.toFixed(2) }, 'trunk features cached (ONNX Runtime)');
    record({ type: 'features', pictures: pics, perSec: extractPerSec });
  }
  if (opts.preview) {
    if (previews.length === 0) {
      const load = createSampleLoader(data.train);
      for (let i = 0; i < Math.min(8, data.train.images.length); i++) previews.push(variantSample(await load(data.train.images[i]), net.spec, opts.seed, 1, i));
    }
    const files = await writePreview(previews, join(out, 'preview'), data.classes);
    log.info({ dir: join(out, 'preview'), files: files.length }, 'augmentation preview written');
  }

  const stepsPerEpoch = Math.ceil(data.train.images.length / opts.batch);
  const schedule = { lr: opts.lr, warmupSteps: Math.round(opts.warmupEpochs * stepsPerEpoch), totalSteps: opts.epochs * stepsPerEpoch, minRatio: opts.minLrRatio };
  const optOptions = { kind: opts.optimizer, momentum: opts.momentum, weightDecay: opts.weightDecay, clipNorm: opts.clipNorm };
  const makeAll = async (): Promise<Trainable> => {
    if (backend === 'wasm' || backend === 'cpu') {
      log.warn({ backend }, `training every layer on tfjs "${backend}" is slow on a CPU (no tfjs-node here)${backend === 'wasm' ? '; wasm has no convolution gradients, so this phase runs on the "cpu" backend' : ''}`);
      if (backend === 'wasm') await tf.setBackend('cpu');
    }
    const model = createTfjsSsd(net);
    return { mode: 'all', model, opt: createOptimizer([...model.trunkVariables(), ...model.headVariables()], optOptions) };
  };
  let t: Trainable;
  if (state.trained === 'all') t = await makeAll();
  else {
    const heads = createHeads(net);
    t = { mode: 'heads', heads, opt: createOptimizer(heads.variables(), optOptions) };
  }
  if (resumed?.optimizer) t.opt.restore(resumed.optimizer.tensors);

  const valOutputs = (): RawOutputs[] => (t.mode === 'heads' ? predictHeads(t.heads, shapes, valFeatures) : predictFull(t.model, val.samples));
  const history: EpochPoint[] = [];
  let initialMap50: number | undefined;
  if (!resumed) {
    const m = evaluate(valOutputs(), val.images, net, anchors, data.classes);
    initialMap50 = m.map50;
    history.push({ epoch: 0, loss: NaN, loc: NaN, conf: NaN, map50: m.map50 });
    log.info({ map50: +m.map50.toFixed(4) }, 'val mAP@0.5 before training');
    record({ type: 'epoch', epoch: 0, map50: m.map50, map: m.map });
  }

  const load = createSampleLoader(data.train);
  let trainImages = 0;
  let trainSeconds = 0;
  const bar = opts.progress && process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'epoch {epoch} [{bar}] {value}/{total} | loss {loss} (loc {locl}, conf {conf}) | {ips} img/s | ETA {eta}s', stream: process.stderr })
    : undefined;
  for (let epoch = state.epoch + 1; epoch <= opts.epochs; epoch++) {
    if (t.mode === 'heads' && epoch >= unfreezeAt) {
      writeHeadsInto(t.heads, net);
      t.heads.dispose();
      t.opt.dispose();
      t = await makeAll();
      state.trained = 'all';
      log.info({ epoch }, 'unfrozen: every layer trains from now on');
    }
    const order = shuffled(data.train.images.length, seedHash(opts.seed, 'order', epoch));
    const sums = { loss: 0, loc: 0, conf: 0, n: 0 };
    const e0 = performance.now();
    bar?.start(stepsPerEpoch, 0, { epoch, loss: '-', locl: '-', conf: '-', ips: '-' });
    for (let s = 0; s < stepsPerEpoch; s++) {
      const idx = order.slice(s * opts.batch, (s + 1) * opts.batch);
      const lr = learningRateAt(schedule, state.step);
      const s0 = performance.now();
      let r: StepResult;
      if (t.mode === 'heads') {
        // Epochs cycle through the cached variants; the offset per picture mixes them in a batch.
        r = headsStep(t.heads, shapes, idx.map((i) => cache[i][(epoch - 1 + i) % cache[i].length]), t.opt, lossOpts, lr);
      } else {
        const samples: ModelSample[] = [];
        for (const i of idx) samples.push(variantSample(await load(data.train.images[i]), net.spec, opts.seed, 1000 + epoch, i));
        r = fullStep(t.model, samples, samples.map((m) => sampleTargets(m, anchors, net.spec)), t.opt, lossOpts, lr);
      }
      const secs = (performance.now() - s0) / 1000;
      trainImages += idx.length;
      trainSeconds += secs;
      state.step++;
      sums.loss += r.loss * idx.length;
      sums.loc += r.loc * idx.length;
      sums.conf += r.conf * idx.length;
      sums.n += idx.length;
      if (!Number.isFinite(r.loss)) throw new SsdsError(ErrorCodes.INTERNAL, `training diverged at epoch ${epoch} step ${s + 1} (loss ${r.loss}); lower --lr`);
      bar?.update(s + 1, { epoch, loss: r.loss.toFixed(3), locl: r.loc.toFixed(3), conf: r.conf.toFixed(3), ips: (idx.length / secs).toFixed(1) });
      record({ type: 'step', epoch, step: state.step, lr, loss: r.loss, loc: r.loc, conf: r.conf, gradNorm: r.gradNorm, imagesPerSec: idx.length / secs });
    }
    bar?.stop();
    const m = evaluate(valOutputs(), val.images, net, anchors, data.classes);
    const point: EpochPoint = { epoch, loss: sums.loss / sums.n, loc: sums.loc / sums.n, conf: sums.conf / sums.n, map50: m.map50 };
    history.push(point);
    state.epoch = epoch;
    if (t.mode === 'heads') writeHeadsInto(t.heads, net);
    else writeModelInto(t.model, net);
    const improved = m.map50 > state.bestMap50;
    if (improved) {
      state.bestMap50 = m.map50;
      state.bestEpoch = epoch;
    }
    const ckpt: Checkpoint = { net, state: { ...state }, optimizer: { kind: opts.optimizer, tensors: t.opt.state() } };
    saveCheckpoint(lastBase, ckpt);
    if (improved) saveCheckpoint(join(out, 'best'), ckpt);
    const seconds = (performance.now() - e0) / 1000;
    log.info({ epoch, loss: +point.loss.toFixed(4), loc: +point.loc.toFixed(4), conf: +point.conf.toFixed(4), map50: +m.map50.toFixed(4), seconds: +seconds.toFixed(1) }, `epoch ${epoch}/${opts.epochs}${improved ? ' (best)' : ''}`);
    record({ type: 'epoch', ...point, map: m.map, seconds, best: improved });
    await writeLossCurve(history, join(out, 'loss-curve.png'), `${net.spec.name}: loss and val mAP@0.5`);
  }
  if (t.mode === 'heads') t.heads.dispose();
  else t.model.dispose();
  t.opt.dispose();

  let onnx: TrainResult['onnx'];
  const bestBase = join(out, 'best');
  if (opts.exportBest && existsSync(`${bestBase}.ckpt.json`)) {
    const best = loadCheckpoint(bestBase);
    const r = await exportOnnx(best.net, `${bestBase}.onnx`, { parityPictures: val.samples.slice(0, 2).map((s) => s.image.data) });
    onnx = { file: r.file, parity: r.parity };
    log.info({ file: r.file, maxAbsBoxDiff: r.parity?.maxAbsBoxDiff }, 'best model exported (ONNX/tfjs parity checked)');
  }
  const result: TrainResult = {
    out,
    backend,
    initialMap50,
    bestMap50: state.bestMap50,
    bestEpoch: state.bestEpoch,
    history,
    imagesPerSec: trainSeconds > 0 ? trainImages / trainSeconds : 0,
    extractPerSec,
    onnx,
  };
  record({ type: 'end', ...result, history: undefined });
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
