/**
 * The training module's parts on small real inputs: the schedule and optimiser (worked by hand),
 * checkpoints (round trip), the tfjs SSD against the ONNX writer (a tiny seeded MobileNetV1-SSD),
 * the trunk feature graph against the tfjs trunk, one whole-network training step, and the INT8
 * quantisers.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { createMobilenetV1Ssd } from '../../src/models/mobilenet-v1-ssd.js';
import { buildSsdFeatureOnnx } from '../../src/onnx/ssd-feature-graph.js';
import { buildSsdOnnx } from '../../src/onnx/ssd-graph.js';
import { quantizePerChannel, uint8Params } from '../../src/onnx/quantize-ssd.js';
import { generateDefaultBoxes } from '../../src/ssd/default-boxes.js';
import { checkpointBase, loadCheckpoint, saveCheckpoint } from '../../src/training/checkpoint.js';
import { checkParity, randomPictures } from '../../src/training/export-model.js';
import { encodeFeatures, stackFeatures, FEATURE_STEP } from '../../src/training/feature-cache.js';
import { createTfjsSsd, preprocess, trunkForward } from '../../src/training/model.js';
import { createBaseNetwork, newClassHeads } from '../../src/training/base-network.js';
import { createOptimizer, learningRateAt } from '../../src/training/optimizer.js';
import { fullStep } from '../../src/training/train-step.js';
import { createHeads, headsForward } from '../../src/training/heads-model.js';
import { headsLossAndGrads } from '../../src/training/heads-grad.js';
import { ssdLoss } from '../../src/training/ssd-loss.js';
import { sampleTargets } from '../../src/training/train-data.js';
import { DEFAULT_LOSS_OPTIONS } from '../../src/training/ssd-loss.js';
import { createRng } from '../../src/training/augment/rng.js';

await tf.setBackend('cpu');
const tiny = () => createMobilenetV1Ssd({ widthMultiplier: 0.25, inputSize: 96, labels: ['background', 'a', 'b'], seed: 5 });

describe('learning-rate schedule', () => {
  it('warms up linearly, then follows the cosine to minRatio', () => {
    const s = { lr: 0.1, warmupSteps: 4, totalSteps: 14, minRatio: 0.1 };
    expect(learningRateAt(s, 0)).toBeCloseTo(0.025, 10);
    expect(learningRateAt(s, 3)).toBeCloseTo(0.1, 10);
    expect(learningRateAt(s, 4)).toBeCloseTo(0.1, 10); // cosine start
    expect(learningRateAt(s, 9)).toBeCloseTo(0.01 + 0.09 * 0.5, 10); // half way: cos(π/2) = 0
    expect(learningRateAt(s, 14)).toBeCloseTo(0.01, 10);
    expect(learningRateAt(s, 100)).toBeCloseTo(0.01, 10);
  });
});

describe('optimiser', () => {
  it('SGD momentum with decoupled decay and clipping, worked by hand', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]]), true, 'opt-test/w');
    const opt = createOptimizer([w], { kind: 'sgd', momentum: 0.5, weightDecay: 0.1, clipNorm: 1 });
    // grad (3, 4): norm 5 → clipped to (0.6, 0.8); v = g; w − lr·v − lr·wd·w
    const norm = opt.apply({ 'opt-test/w': tf.tensor2d([[3, 4]]) }, 0.1);
    expect(norm).toBeCloseTo(5, 6);
    const a = w.dataSync();
    expect(a[0]).toBeCloseTo(1 - 0.06 - 0.01, 6);
    expect(a[1]).toBeCloseTo(-2 - 0.08 + 0.02, 6);
    // second step, same (unclipped) grad (0.3, 0.4): v = 0.5·(0.6, 0.8) + (0.3, 0.4) = (0.6, 0.8)
    opt.apply({ 'opt-test/w': tf.tensor2d([[0.3, 0.4]]) }, 0.1);
    expect(w.dataSync()[0]).toBeCloseTo(0.93 - 0.06 - 0.0093, 6);
    const st = opt.state();
    const w2 = tf.variable(tf.tensor2d([[0, 0]]), true, 'opt-test/w2');
    const opt2 = createOptimizer([w2], { kind: 'sgd', momentum: 0.5 });
    opt2.restore(st);
    expect(opt2.step).toBe(2);
    expect(Array.from(opt2.state()[1].data)).toEqual(Array.from(st[1].data));
    opt.dispose();
    opt2.dispose();
    w.dispose();
    w2.dispose();
  });

  it('Adam takes lr-sized first steps whatever the gradient scale', () => {
    const w = tf.variable(tf.tensor1d([0, 0]), true, 'opt-test/adam');
    const opt = createOptimizer([w], { kind: 'adam', weightDecay: 0, clipNorm: 0 });
    opt.apply({ 'opt-test/adam': tf.tensor1d([1000, -0.001]) }, 0.01);
    const a = w.dataSync();
    expect(a[0]).toBeCloseTo(-0.01, 5);
    expect(a[1]).toBeCloseTo(0.01, 4);
    opt.dispose();
    w.dispose();
  });
});

describe('checkpoints', () => {
  it('round-trips network, trainer state and optimiser tensors', () => {
    const net = tiny();
    const base = join(mkdtempSync(join(tmpdir(), 'ssds-ckpt-')), 'best');
    saveCheckpoint(base, { net, state: { epoch: 3, step: 30, bestMap50: 0.5, bestEpoch: 2 }, optimizer: { kind: 'sgd', tensors: [{ name: 'opt/0/momentum', shape: [2], data: Float32Array.of(1, 2) }] } });
    const back = loadCheckpoint(`${base}.onnx`);
    expect(checkpointBase(`${base}.ckpt.json`)).toBe(base);
    expect(back.state.epoch).toBe(3);
    expect(back.net.spec).toEqual(net.spec);
    expect(back.net.layers).toEqual(net.layers);
    for (const [k, v] of net.weights) expect(Array.from(back.net.weights.get(k)!.data)).toEqual(Array.from(v.data));
    expect(Array.from(back.optimizer!.tensors[0].data)).toEqual([1, 2]);
  });

  it('--base <checkpoint> continues from it; other classes get new class heads, box heads kept', () => {
    const net = newClassHeads(tiny(), ['background', 'a', 'b'], 0.01, 3);
    const base = join(mkdtempSync(join(tmpdir(), 'ssds-base-')), 'best');
    saveCheckpoint(base, { net, state: { epoch: 4, step: 40, bestMap50: 0.7, bestEpoch: 4 }, optimizer: undefined });
    const same = createBaseNetwork({ base, classes: ['a', 'b'] });
    expect(same.checkpoint?.state.epoch).toBe(4);
    expect(Array.from(same.net.weights.get('head0/class/kernel')!.data)).toEqual(Array.from(net.weights.get('head0/class/kernel')!.data));
    const other = createBaseNetwork({ base, classes: ['x'] });
    expect(other.net.spec.labels).toEqual(['background', 'x']);
    expect(other.net.weights.get('head0/class/kernel')!.shape[3]).toBe(other.net.predictors[0].anchorsPerCell * 2);
    expect(Array.from(other.net.weights.get('head0/box/kernel')!.data)).toEqual(Array.from(net.weights.get('head0/box/kernel')!.data));
    expect(Array.from(other.net.weights.get('backbone/pw13/kernel')!.data)).toEqual(Array.from(net.weights.get('backbone/pw13/kernel')!.data));
    expect(() => createBaseNetwork({ base: join(base, 'nope'), classes: ['x'] })).toThrow(expect.objectContaining({ code: 'SSDS_ERR_FILE_NOT_FOUND' }));
  });

  it('names a missing checkpoint with its code', () => {
    expect(() => loadCheckpoint('/nonexistent/run/best')).toThrow(expect.objectContaining({ code: 'SSDS_ERR_FILE_NOT_FOUND' }));
  });
});

describe('tfjs SSD against the ONNX writer', () => {
  it('decodes to the same boxes (parity < 1e-4) for a seeded tiny network', async () => {
    const net = newClassHeads(tiny(), ['background', 'a', 'b'], 0.01, 3);
    const r = await checkParity(net, buildSsdOnnx(net), randomPictures(net, 2));
    expect(r.passed).toBe(true);
    expect(r.maxAbsBoxDiff).toBeLessThan(1e-4);
    expect(r.maxAbsScoreDiff).toBeLessThan(1e-4);
  });

  it('catches a wrong export: perturbed weights break parity', async () => {
    const net = tiny();
    const bytes = buildSsdOnnx(net);
    const k = net.weights.get('head0/box/kernel')!;
    const changed = { ...net, weights: new Map(net.weights).set('head0/box/kernel', { shape: k.shape, data: k.data.map((v) => v + 0.5) }) };
    const r = await checkParity(changed, bytes, randomPictures(net, 1));
    expect(r.passed).toBe(false);
  });

  it('the trunk graph outputs what the tfjs trunk computes, and uint8 caching stays within half a step', async () => {
    const net = tiny();
    const session = await ort.InferenceSession.create(buildSsdFeatureOnnx(net));
    const [pic] = randomPictures(net, 1, 11);
    const out = await session.run({ image: new ort.Tensor('uint8', pic, [1, 96, 96, 3]) });
    const m = createTfjsSsd(net);
    const px = tf.tensor4d(Float32Array.from(pic), [1, 96, 96, 3]);
    const feats = trunkForward(m, preprocess(net, px));
    feats.forEach((f, k) => {
      const a = out[`feature${k}`].data as Float32Array;
      const b = f.dataSync();
      expect(a.length).toBe(b.length);
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
      expect(d).toBeLessThan(1e-4);
      const dec = stackFeatures([{ maps: [encodeFeatures(a)] }], 0);
      let q = 0;
      for (let i = 0; i < a.length; i++) q = Math.max(q, Math.abs(dec[i] - Math.min(6, a[i])));
      expect(q).toBeLessThanOrEqual(FEATURE_STEP / 2 + 1e-6);
    });
    m.dispose();
    await session.release();
  });

  it('a whole-network step (unfrozen path) lowers the loss on its batch', () => {
    const net = tiny();
    const anchors = generateDefaultBoxes(net.spec.anchors, 96, 96);
    const [pic] = randomPictures(net, 1, 13);
    const sample = { image: { data: pic, width: 96, height: 96 }, boxesXyxy: Float32Array.of(0.2, 0.2, 0.6, 0.7), classIds: Int32Array.of(1), ignoreXyxy: new Float32Array(0) };
    const targets = [sampleTargets(sample, anchors, net.spec)];
    const m = createTfjsSsd(net);
    const opt = createOptimizer([...m.trunkVariables(), ...m.headVariables()], { kind: 'adam', weightDecay: 0 });
    const first = fullStep(m, [sample], targets, opt, DEFAULT_LOSS_OPTIONS, 1e-3);
    let last = first;
    for (let i = 0; i < 4; i++) last = fullStep(m, [sample], targets, opt, DEFAULT_LOSS_OPTIONS, 1e-3);
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(last.loss).toBeLessThan(first.loss);
    m.dispose();
    opt.dispose();
  });
});

describe('explicit head gradients', () => {
  it.each(['softmax', 'focal'] as const)('equal the taped gradients of the whole forward pass (%s)', (confidence) => {
    const lossOpts = { ...DEFAULT_LOSS_OPTIONS, confidence };
    const net = newClassHeads(tiny(), ['background', 'a', 'b'], 0.01, 3);
    const anchors = generateDefaultBoxes(net.spec.anchors, 96, 96);
    const a = anchors.length / 4;
    const heads = createHeads(net);
    const rng = createRng(5);
    const feats = heads.heads.map((_, k) => {
      const [h, w] = net.spec.anchors.featureMaps[k];
      const c = heads.heads[k].boxKernel.shape[0];
      return tf.tensor4d(Float32Array.from({ length: 2 * h * w * c }, () => rng.next() * 6), [2, h, w, c]);
    });
    const t = [0, 1].map(() => sampleTargets({ image: { data: new Uint8Array(0), width: 96, height: 96 }, boxesXyxy: Float32Array.of(0.1, 0.2, 0.5, 0.6, 0.4, 0.1, 0.9, 0.8), classIds: Int32Array.of(0, 1), ignoreXyxy: new Float32Array(0) }, anchors, net.spec));
    const locT = tf.tensor3d(Float32Array.from([...t[0].offsets, ...t[1].offsets]), [2, a, 4]);
    const labelData = Int32Array.from([...t[0].labels, ...t[1].labels]);
    // Some ignored default boxes, which must take no part in either gradient.
    for (let i = 0; i < labelData.length; i += 7) if (labelData[i] === 0) labelData[i] = -1;
    const labels = tf.tensor2d(labelData, [2, a], 'int32');
    const fast = headsLossAndGrads(heads, feats, locT, labels, lossOpts);
    const taped = tf.variableGrads(() => {
      const o = headsForward(heads, feats);
      return ssdLoss(o.loc, o.logits, locT, labels, lossOpts).total;
    }, heads.variables());
    expect(fast.loss).toBeCloseTo(taped.value.dataSync()[0], 4);
    let nonZero = 0;
    for (const v of heads.variables()) {
      const f = fast.grads[v.name].dataSync();
      const g = taped.grads[v.name].dataSync();
      expect(f.length).toBe(g.length);
      let d = 0;
      let m = 0;
      for (let i = 0; i < f.length; i++) {
        d = Math.max(d, Math.abs(f[i] - g[i]));
        m = Math.max(m, Math.abs(g[i]));
      }
      if (m > 0) nonZero++;
      expect(d).toBeLessThan(1e-4 * Math.max(1, m));
    }
    // Maps without positives or mined negatives get zero gradients; the others must not.
    expect(nonZero).toBeGreaterThanOrEqual(4);
    heads.dispose();
  });
});

describe('INT8 quantisers', () => {
  it('per-channel symmetric int8 weights, worked by hand', () => {
    const { q, scales } = quantizePerChannel(Float32Array.of(0.5, -1, 0.25, 0, 0, 0), 2);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), 1]);
    expect(Array.from(q)).toEqual([64, -127, 32, 0, 0, 0]);
  });

  it('uint8 activation parameters include zero', () => {
    const r = uint8Params({ min: 0, max: 5.1 });
    expect(r.scale).toBeCloseTo(0.02, 12);
    expect(r.zeroPoint).toBe(0);
    const p = uint8Params({ min: -1, max: 1 });
    expect(p.scale).toBeCloseTo(2 / 255, 10);
    expect(p.zeroPoint).toBe(128);
    expect(uint8Params({ min: 2, max: 3 }).zeroPoint).toBe(0);
  });
});
