/**
 * Detector on small ONNX models in the ssd-stream and TF OD API layouts (made with onnx.helper by
 * test/fixtures/models/synthetic_layouts.py). Each graph computes its outputs from the mean
 * brightness m of the picture, so the expected detections are worked out here from the same
 * constants: adapter choice, spec resolution, thresholds, class-wise NMS, box order conversion,
 * mapping to the source frame (stretch and pad), batching, worker crash and restart, and the
 * load errors.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, SsdsError } from '../../src/errors.js';
import { Detector, type DetectResult } from '../../src/inference/detector.js';
import {
  makePicture,
  meanLevel,
  pythonHas,
  syntheticConstants,
  syntheticModel,
  type SyntheticConstants,
} from './model-fixtures.js';

const hasOnnx = pythonHas('onnx', 'numpy');
if (!hasOnnx) console.warn('skipping synthetic-model inference tests: python3 with onnx and numpy not found');

type Box = [number, number, number, number];
interface Expected {
  label: string;
  score: number;
  box: Box;
}

function expectDetections(got: DetectResult, want: Expected[], tol = 1e-4): void {
  expect(got.detections.map((d) => d.label)).toEqual(want.map((w) => w.label));
  got.detections.forEach((d, i) => {
    expect(Math.abs(d.score - want[i].score)).toBeLessThan(tol);
    d.box.forEach((v, k) => expect(Math.abs(v - want[i].box[k])).toBeLessThan(tol));
  });
}

async function rejection(p: Promise<unknown>): Promise<SsdsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SsdsError);
    return e as SsdsError;
  }
  throw new Error('expected a rejection');
}

const add = (a: number[], d: number[], m: number) => a.map((v, i) => v + m * d[i]);

describe.skipIf(!hasOnnx)('ssd-stream layout', () => {
  let c: SyntheticConstants['ssdStream'];
  let model: string;
  let det: Detector;
  const W = 48, H = 64;

  /** Hand-worked: anchor 1 (cat) is suppressed by anchor 0, anchor 3 is background. */
  function expected(m: number, mapY: (y: number) => number = (y) => y): Expected[] {
    const b0 = add(c.boxes[0], c.boxDelta[0], m);
    const b2 = add(c.boxes[2], c.boxDelta[2], m);
    const map = (b: number[]): Box => [b[0], mapY(b[1]), b[2], mapY(b[3])];
    return [
      { label: 'cat', score: c.scores[0][1] + m * c.scoreDelta[0][1], box: map(b0) },
      { label: 'dog', score: c.scores[2][2] + m * c.scoreDelta[2][2], box: map(b2) },
    ];
  }

  beforeAll(async () => {
    c = syntheticConstants().ssdStream;
    model = syntheticModel('ssd-stream');
    det = await Detector.create({ model, executionProvider: 'cpu', intraOpThreads: 1 });
  });
  afterAll(() => det?.close());

  it('is recognised, with the spec from metadata_props', () => {
    expect(det.adapter).toBe('ssd-stream');
    expect(det.spec.labels).toEqual(['background', 'cat', 'dog']);
    expect(det.spec.input).toMatchObject({ width: W, height: H, format: 'uint8-nhwc', resize: 'stretch' });
    expect(det.spec.postprocess.scoreThreshold).toBe(0.3);
    expect(det.modelPath).toBe(model);
  });

  it('batch 1: thresholds, suppresses the overlapping same-class box, transfers the buffer', async () => {
    const px = makePicture(W, H, 1);
    const m = meanLevel(px);
    const req = { data: px, sourceWidth: 640, sourceHeight: 480 };
    const [r] = await det.detect([req]);
    expectDetections(r, expected(m));
    expect(r.detections[0].classId).toBe(1);
    expect(req.data.length).toBe(0); // detached: it went to the worker by transfer
    expect(r.timings.inferenceMs).toBeGreaterThan(0);
    expect(r.timings.queueMs).toBeGreaterThanOrEqual(0);
  });

  it('batch 4 equals four single runs, also when split by maxBatch', async () => {
    const pics = [2, 3, 4, 5].map((s, i) => makePicture(W, H, s, 0.3 + 0.2 * i));
    const ms = pics.map(meanLevel);
    const batched = await det.detect(pics.map((p) => ({ data: p.slice(), sourceWidth: W, sourceHeight: H })));
    expect(batched).toHaveLength(4);
    batched.forEach((r, i) => expectDetections(r, expected(ms[i])));
    const small = await Detector.create({ model, executionProvider: 'cpu', maxBatch: 2, workers: 2, intraOpThreads: 1 });
    try {
      expect(small.maxBatch).toBe(2);
      const split = await small.detect(pics.map((p) => ({ data: p.slice(), sourceWidth: W, sourceHeight: H })));
      split.forEach((r, i) => expectDetections(r, expected(ms[i])));
      for (let i = 0; i < 4; i++) {
        const [one] = await small.detect([{ data: pics[i].slice(), sourceWidth: W, sourceHeight: H }]);
        expect(one.detections).toEqual(batched[i].detections);
      }
    } finally {
      await small.close();
    }
  });

  it('a sidecar switches to pad mode and boxes map back to the source frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssds-sidecar-'));
    try {
      const copy = join(dir, 'padded.onnx');
      copyFileSync(model, copy);
      writeFileSync(`${copy}.ssd.json`, JSON.stringify({ input: { resize: 'pad', padAlign: 'center' } }));
      const padded = await Detector.create({ model: copy, executionProvider: 'cpu', intraOpThreads: 1 });
      try {
        expect(padded.spec.input).toMatchObject({ width: W, height: H, resize: 'pad', padAlign: 'center' });
        expect(padded.spec.labels).toEqual(['background', 'cat', 'dog']); // rest from metadata
        const px = makePicture(W, H, 9);
        const m = meanLevel(px);
        // A 96x64 source fits as 48x32 in the 48x64 input, centred: rows 16..48.
        const [r] = await padded.detect([{ data: px, sourceWidth: 96, sourceHeight: 64 }]);
        const clip = (v: number) => Math.min(1, Math.max(0, v));
        expectDetections(r, expected(m, (y) => clip((y * 64 - 16) / 32)));
      } finally {
        await padded.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('post-processing overrides apply over the embedded spec', async () => {
    const strict = await Detector.create({
      model,
      executionProvider: 'cpu',
      intraOpThreads: 1,
      postprocess: { scoreThreshold: 0.95 },
    });
    try {
      expect(strict.spec.postprocess.scoreThreshold).toBe(0.95);
      expect(strict.spec.postprocess.iouThreshold).toBe(0.5); // still the model's own
      const [r] = await strict.detect([{ data: makePicture(W, H, 1), sourceWidth: W, sourceHeight: H }]);
      expect(r.detections).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('rejects a picture of the wrong size with API_BAD_REQUEST', async () => {
    const e = await rejection(det.detect([{ data: new Uint8Array(10), sourceWidth: 1, sourceHeight: 1 }]));
    expect(e.code).toBe(ErrorCodes.API_BAD_REQUEST);
    expect(e.message).toContain('48x64');
  });

  it('a worker killed mid-batch fails that batch with WORKER_FAILED and is restarted', async () => {
    const px = makePicture(W, H, 11);
    const m = meanLevel(px);
    const threadBefore = det.workers()[0].threadId;
    // Killed first, in the same tick as the batch is handed to it: the worker can never answer,
    // so the batch is in flight when the thread ends (a kill after dispatch could lose the race
    // to a sub-millisecond model).
    void det.workerPool.workerAt(0)?.terminate();
    const pending = det.detect([{ data: px.slice(), sourceWidth: W, sourceHeight: H }]);
    expect(det.workers()[0].state).toBe('busy');
    const e = await rejection(pending);
    expect(e.code).toBe(ErrorCodes.WORKER_FAILED);
    expect(e.message).toMatch(/worker 0 stopped/);
    // Queued while the worker restarts: waits for it instead of failing.
    const [r] = await det.detect([{ data: px.slice(), sourceWidth: W, sourceHeight: H }]);
    expectDetections(r, expected(m));
    const after = det.workers()[0];
    expect(after.restarts).toBe(1);
    expect(after.state).toBe('ready');
    expect(after.threadId).not.toBe(threadBefore);
  });
});

describe.skipIf(!hasOnnx)('worker lifecycle', () => {
  it('close lets the running batch finish, aborts queued ones and later calls', async () => {
    const det = await Detector.create({ model: syntheticModel('ssd-stream'), executionProvider: 'cpu', intraOpThreads: 1 });
    const req = () => [{ data: makePicture(48, 64, 4), sourceWidth: 48, sourceHeight: 64 }];
    const running = det.detect(req());
    const queued = rejection(det.detect(req())); // handled now: it fails during close()
    expect(det.workers()[0].state).toBe('busy');
    const closing = det.close();
    expect(det.close()).toBe(closing); // idempotent: the same shutdown
    const [done] = await running;
    expect(done.detections.map((d) => d.label)).toEqual(['cat', 'dog']);
    expect((await queued).code).toBe(ErrorCodes.ABORTED);
    await closing;
    expect(det.workers()[0].state).toBe('closed');
    expect((await rejection(det.detect(req()))).code).toBe(ErrorCodes.ABORTED);
  });

  it('while the model cannot be loaded again, batches fail with the reason; once it can, they run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssds-restart-'));
    const model = join(dir, 'm.onnx');
    copyFileSync(syntheticModel('ssd-stream'), model);
    const det = await Detector.create({ model, executionProvider: 'cpu', intraOpThreads: 1 });
    try {
      const req = () => [{ data: makePicture(48, 64, 3), sourceWidth: 48, sourceHeight: 64 }];
      rmSync(model);
      void det.workerPool.workerAt(0)?.terminate();
      const lost = await rejection(det.detect(req()));
      expect(lost.code).toBe(ErrorCodes.WORKER_FAILED);
      // The restart cannot read the file: a batch queued meanwhile fails with that reason
      // instead of waiting forever.
      const failed = await rejection(det.detect(req()));
      expect(failed.code).toBe(ErrorCodes.WORKER_FAILED);
      expect(failed.message).toMatch(/failed to load the model/);
      expect(failed.message).toContain('m.onnx');
      expect(det.workers()[0].state).toBe('failed');
      copyFileSync(syntheticModel('ssd-stream'), model);
      // The next restart (backoff ≤ 5 s) loads it, and batches run again.
      const deadline = Date.now() + 10_000;
      while (det.workers()[0].state !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const [r] = await det.detect(req());
      expect(r.detections.map((d) => d.label)).toEqual(['cat', 'dog']);
      expect(det.workers()[0].restarts).toBeGreaterThanOrEqual(2);
    } finally {
      await det.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasOnnx)('TF Object Detection API layout', () => {
  let c: SyntheticConstants['tf'];
  beforeAll(() => {
    c = syntheticConstants().tf;
  });

  /** Slots 0..3 above the threshold (slot 4 is past num_detections), yxyx → xyxy, by score. */
  function expected(m: number, thr: number): Expected[] {
    const coco: Record<number, string> = { 1: 'person', 3: 'car', 18: 'dog', 44: 'bottle' };
    const out: Expected[] = [];
    for (let i = 0; i < 4; i++) {
      const s = m * c.scores[i];
      expect(Math.abs(s - thr)).toBeGreaterThan(1e-3); // no borderline case in the fixture
      if (s <= thr) continue;
      const [y1, x1, y2, x2] = add(c.boxes[i], c.boxDelta[i], m);
      out.push({ label: coco[c.classes[i]], score: s, box: [x1, y1, x2, y2] });
    }
    return out.sort((a, b) => b.score - a.score);
  }

  it('fixed 300x300 tf2onnx export: COCO labels, padding slot ignored, batch 1 and 4', async () => {
    const det = await Detector.create({
      model: syntheticModel('tf-od-fixed'),
      executionProvider: 'cpu',
      intraOpThreads: 1,
      postprocess: { scoreThreshold: 0.2 },
    });
    try {
      expect(det.adapter).toBe('tf-od-api');
      expect(det.spec.input).toMatchObject({ width: 300, height: 300, format: 'uint8-nhwc' });
      expect(det.spec.labels[1]).toBe('person');
      expect(det.spec.labels).toHaveLength(91);
      const pics = [21, 22, 23, 24].map((s, i) => makePicture(300, 300, s, 0.6 + 0.15 * i));
      const ms = pics.map(meanLevel);
      const [one] = await det.detect([{ data: pics[0].slice(), sourceWidth: 300, sourceHeight: 300 }]);
      expectDetections(one, expected(ms[0], 0.2));
      expect(one.detections.length).toBeGreaterThanOrEqual(2);
      const four = await det.detect(pics.map((p) => ({ data: p, sourceWidth: 1280, sourceHeight: 720 })));
      four.forEach((r, i) => expectDetections(r, expected(ms[i], 0.2)));
    } finally {
      await det.close();
    }
  });

  it('dynamic H/W: 300x300 by default, the sidecar size when given', async () => {
    const model = syntheticModel('tf-od');
    const det = await Detector.create({ model, executionProvider: 'cpu', intraOpThreads: 1 });
    try {
      expect(det.adapter).toBe('tf-od-api');
      expect(det.spec.input).toMatchObject({ width: 300, height: 300, resize: 'stretch' });
      expect(det.spec.postprocess.scoreThreshold).toBe(0.5);
    } finally {
      await det.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'ssds-tf-'));
    try {
      const copy = join(dir, 'tf.onnx');
      copyFileSync(model, copy);
      writeFileSync(`${copy}.ssd.json`, JSON.stringify({ input: { width: 200, height: 150 }, labels: ['bg', 'a', 'b', 'c'] }));
      const sized = await Detector.create({ model: copy, executionProvider: 'cpu', intraOpThreads: 1, postprocess: { scoreThreshold: 0.1 } });
      try {
        expect(sized.spec.input).toMatchObject({ width: 200, height: 150 });
        const px = makePicture(200, 150, 5, 0.9);
        const m = meanLevel(px);
        const [r] = await sized.detect([{ data: px, sourceWidth: 200, sourceHeight: 150 }]);
        // Labels from the sidecar; class 18 and 44 are past its list.
        expect(r.detections.map((d) => d.label)).toEqual(
          expected(m, 0.1).map((e) => ({ person: 'a', car: 'c', dog: 'class18', bottle: 'class44' })[e.label]),
        );
      } finally {
        await sized.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasOnnx)('ONNX Model Zoo SSD ResNet34 layout', () => {
  it('ImageNet-normalised float input, COCO-80 labels, scores thresholded and sorted', async () => {
    const c = syntheticConstants().zoo;
    const det = await Detector.create({
      model: syntheticModel('zoo-ssd'),
      executionProvider: 'cpu',
      intraOpThreads: 1,
      postprocess: { scoreThreshold: 0.3 },
    });
    try {
      expect(det.adapter).toBe('onnx-zoo-ssd-resnet34');
      expect(det.spec.input).toMatchObject({ width: 96, height: 96, format: 'float32-nchw' });
      expect(det.spec.labels.slice(0, 4)).toEqual(['background', 'person', 'bicycle', 'car']);
      expect(det.spec.labels).toHaveLength(81);
      const px = makePicture(96, 96, 7, 0.7);
      // The graph adds mean(normalised input) / 10 to every score: worked out here from the pixels.
      const mean = [0.485, 0.456, 0.406];
      const std = [0.229, 0.224, 0.225];
      let sum = 0;
      for (let i = 0; i < px.length; i++) sum += (px[i] / 255 - mean[i % 3]) / std[i % 3];
      const shift = sum / px.length / 10;
      const [r] = await det.detect([{ data: px, sourceWidth: 96, sourceHeight: 96 }]);
      const want = c.scores
        .map((s, i) => ({ score: s + shift, box: c.boxes[i] as Box, label: det.spec.labels[c.labels[i]] }))
        .filter((w) => w.score > 0.3)
        .sort((a, b) => b.score - a.score);
      expect(want.length).toBeGreaterThanOrEqual(1);
      expectDetections(r, want);
      expect(r.detections[0].label).toBe('person');
    } finally {
      await det.close();
    }
  });
});

describe.skipIf(!hasOnnx)('load errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ssds-bad-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a corrupt file is MODEL_INVALID naming the file', async () => {
    const bad = join(dir, 'corrupt.onnx');
    writeFileSync(bad, Buffer.from('this is not an onnx model at all, just text\n'.repeat(20)));
    const e = await rejection(Detector.create({ model: bad, executionProvider: 'cpu' }));
    expect(e.code).toBe(ErrorCodes.MODEL_INVALID);
    expect(e.message).toContain(bad);
  });

  it('a missing file is FILE_NOT_FOUND', async () => {
    const e = await rejection(Detector.create({ model: join(dir, 'nope.onnx') }));
    expect(e.code).toBe(ErrorCodes.FILE_NOT_FOUND);
    expect(e.message).toContain('nope.onnx');
  });

  it('an unknown layout is MODEL_LAYOUT listing its outputs and what each adapter expects', async () => {
    const e = await rejection(Detector.create({ model: syntheticModel('unknown'), executionProvider: 'cpu' }));
    expect(e.code).toBe(ErrorCodes.MODEL_LAYOUT);
    expect(e.message).toContain('heatmap: float32 [1,3,8,8]');
    expect(e.message).toContain('offsets');
    expect(e.message).toContain('pixels');
    for (const name of ['ssd-stream', 'tf-od-api', 'torchvision-raw', 'torchvision-postprocessed']) {
      expect(e.message).toContain(`${name}:`);
    }
  });

  it('an ssd-stream layout without a spec is SPEC_INVALID, a bad sidecar names the sidecar', async () => {
    const bare = join(dir, 'bare.onnx');
    // Same graph, metadata stripped by a sidecar that breaks the spec instead: write a bad one.
    copyFileSync(syntheticModel('ssd-stream'), bare);
    writeFileSync(`${bare}.ssd.json`, '{"labels": "cat"');
    const e1 = await rejection(Detector.create({ model: bare, executionProvider: 'cpu' }));
    expect(e1.code).toBe(ErrorCodes.SPEC_INVALID);
    expect(e1.message).toContain(`${bare}.ssd.json`);
    writeFileSync(`${bare}.ssd.json`, JSON.stringify({ labels: ['background', 'cat'] }));
    const e2 = await rejection(Detector.create({ model: bare, executionProvider: 'cpu' }));
    expect(e2.code).toBe(ErrorCodes.SPEC_INVALID);
    expect(e2.message).toMatch(/3 classes but the spec lists 2 labels/);
  });

  it('bad options are CONFIG_INVALID naming the option; cuda on a CPU-only install too', async () => {
    const model = syntheticModel('ssd-stream');
    const e1 = await rejection(Detector.create({ model, postprocess: { scoreThreshold: 2 } }));
    expect(e1.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(e1.message).toContain('postprocess.scoreThreshold');
    const e2 = await rejection(Detector.create({ model, workers: 0 }));
    expect(e2.message).toContain('workers');
    const { cudaProviderInstalled } = await import('../../src/inference/execution-provider.js');
    if (!cudaProviderInstalled()) {
      const e3 = await rejection(Detector.create({ model, executionProvider: 'cuda' }));
      expect(e3.code).toBe(ErrorCodes.CONFIG_INVALID);
      expect(e3.message).toContain('executionProvider');
    }
  });
});
