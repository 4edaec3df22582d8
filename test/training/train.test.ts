/**
 * Fine-tuning end to end: a synthetic detection dataset (discs, squares, triangles on cluttered
 * gradients, COCO JSON), `train --base face` on 2 CPU cores — trunk features from ONNX Runtime,
 * heads in tfjs — and val mAP@0.5 must rise from chance to a working detector. Then `--resume`
 * continues the run from its last checkpoint.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticCoco } from '../helpers/synthetic-detection.js';
import { train, type TrainResult } from '../../src/training/trainer.js';
import { loadCheckpoint } from '../../src/training/checkpoint.js';
import { projectPath } from '../../src/util/project-root.js';

const dir = mkdtempSync(join(tmpdir(), 'ssds-train-'));
const out = join(dir, 'run');
let annotations: string;
let result: TrainResult;
let trainCount = 0;

beforeAll(async () => {
  // A fixed folder: the train/val split hashes image paths, so a fixed path keeps the split, and
  // with it the measured mAP, the same from run to run.
  annotations = await writeSyntheticCoco(projectPath('test', '.cache', 'train-synthetic'), { count: 100, width: 320, height: 240, seed: 3 });
}, 120_000);

describe('train --base face on a synthetic dataset', () => {
  it('raises val mAP@0.5 from below 0.1 to at least 0.6', async () => {
    result = await train({ data: annotations, out, base: 'face', epochs: 10, batch: 8, lr: 0.01, inputSize: 320, variants: 2, progress: false, exportBest: false });
    expect(result.initialMap50).toBeDefined();
    expect(result.initialMap50!).toBeLessThan(0.1);
    expect(result.bestMap50).toBeGreaterThanOrEqual(0.6);
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The loss falls as the heads learn.
    expect(result.history[10].loss).toBeLessThan(result.history[1].loss);
    for (const f of ['last.ckpt.json', 'last.ckpt.bin', 'best.ckpt.json', 'best.ckpt.bin', 'loss-curve.png', 'train.jsonl', 'summary.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const png = readFileSync(join(out, 'loss-curve.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const lines = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].type).toBe('start');
    trainCount = lines[0].train;
    expect(lines.filter((l) => l.type === 'step').length).toBe(10 * Math.ceil(lines[0].train / 8));
    const best = loadCheckpoint(join(out, 'best'));
    expect(best.state.epoch).toBe(result.bestEpoch);
    expect(best.net.spec.labels).toEqual(['background', 'disc', 'square', 'triangle']);
    expect(best.net.spec.scoreActivation).toBe('softmax');
  }, 900_000);

  it('--resume continues after the last epoch with the saved optimiser state', async () => {
    const before = loadCheckpoint(join(out, 'last'));
    expect(before.optimizer?.tensors.length).toBeGreaterThan(1);
    const r = await train({ data: annotations, out, base: 'face', epochs: 11, batch: 8, lr: 0.01, inputSize: 320, variants: 1, resume: true, progress: false, exportBest: false });
    expect(r.initialMap50).toBeUndefined();
    expect(r.history.map((h) => h.epoch)).toEqual([11]);
    const after = loadCheckpoint(join(out, 'last'));
    expect(after.state.epoch).toBe(11);
    expect(after.state.step).toBe(before.state.step + Math.ceil(trainCount / 8));
    // Learnt weights carried over: mAP stays in the trained range instead of restarting near 0.
    expect(r.history[0].map50).toBeGreaterThan(0.5);
  }, 600_000);
});
