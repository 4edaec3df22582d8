/**
 * The runtime with real parts: ffmpeg sources (demo:, lavfi:, a generated file), the default
 * face model in worker threads, ByteTrack, the metrics registry.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter, take, toArray, type Observable } from 'rxjs';
import { loadConfig } from '../../src/pipeline/config-loader.js';
import { createRuntime, type PipelineRuntime } from '../../src/pipeline/runtime.js';
import { defaultRuntimeDeps } from '../../src/pipeline/runtime-deps.js';
import type { RuntimeDeps } from '../../src/pipeline/runtime-ports.js';
import type { FrameResult, PipelineEvent, StreamInfo } from '../../src/pipeline/runtime-api.js';
import { createMetrics, type Metrics } from '../../src/server/metrics.js';
import { ErrorCodes } from '../../src/errors.js';
import { pythonHas, torchvisionModels } from '../inference/model-fixtures.js';

let dir: string;
let clip: string;

const until = async (what: string, pred: () => boolean, ms = 30_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const resultsOf = (rt: PipelineRuntime, stream: string, n: number): Promise<FrameResult[]> =>
  firstValueFrom((rt.results$ as Observable<FrameResult>).pipe(filter((r) => r.stream === stream), take(n), toArray()));
const info = (rt: PipelineRuntime, id: string): StreamInfo | undefined => rt.streams().find((s) => s.id === id);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssds-runtime-'));
  clip = join(dir, 'clip.mp4');
  // 30 frames at 15 fps from a moving face photo: a small real video file.
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15', '-frames:v', '30', '-pix_fmt', 'yuv420p', '-y', clip]);
  writeFileSync(join(dir, 'not-a-video.mp4'), 'this is text, not a video\n'.repeat(100));
});

describe('runtime with real sources and the default model', () => {
  let rt: PipelineRuntime;
  let metrics: Metrics;
  // Lets a test hold batches in the detector to remove a stream while its frame is in flight.
  let gate: Promise<void> | null = null;
  const deps: RuntimeDeps = {
    ...defaultRuntimeDeps,
    createDetector: async (path, p) => {
      const d = await defaultRuntimeDeps.createDetector(path, p);
      return {
        ...d,
        input: d.input,
        labels: d.labels,
        detect: async (reqs) => {
          const out = await d.detect(reqs);
          if (gate) await gate;
          return out;
        },
      };
    },
  };

  const events: PipelineEvent[] = [];

  beforeAll(async () => {
    const pl = join(dir, 'p.yaml');
    writeFileSync(
      pl,
      `pipelines:
  - name: t
    maxBatch: 2
    maxWaitMs: 5
    zones:
      - { name: all, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], classes: [face], anchor: center }
    sources:
      - { id: faces, url: "demo:sample1?motion=pan&fps=10&size=480x320", jpeg: { width: 240 } }
      - { id: bars, url: "lavfi:testsrc2=size=320x240:rate=10", jpeg: { enabled: false } }
`,
    );
    metrics = createMetrics();
    rt = await createRuntime(loadConfig({ pipelinePath: pl }), { deps, metrics });
    rt.events$.subscribe((e) => events.push(e));
  });
  afterAll(async () => {
    await rt?.stop();
    metrics?.close();
  });

  it('detects and tracks faces with increasing seq and paired JPEGs', async () => {
    const jpeg = firstValueFrom(rt.jpegs$.pipe(filter((j) => j.stream === 'faces')));
    const rs = await resultsOf(rt, 'faces', 12);
    for (let i = 1; i < rs.length; i++) expect(rs[i]!.seq).toBeGreaterThan(rs[i - 1]!.seq);
    // The tracker outputs a face once it is confirmed (second sighting), then in every frame.
    const withFaces = rs.filter((r) => r.detections.length > 0);
    expect(withFaces.length).toBeGreaterThanOrEqual(9);
    const d = withFaces.at(-1)!.detections[0]!;
    expect(d.label).toBe('face');
    expect(d.trackId).toBeGreaterThan(0);
    for (const v of d.box) expect(v).toBeGreaterThanOrEqual(-0.05);
    expect(rs[0]!.width).toBe(480);
    const j = await jpeg;
    expect([j.jpeg[0], j.jpeg[1]]).toEqual([0xff, 0xd8]);
    expect(info(rt, 'faces')!.state).toBe('live');
    expect(info(rt, 'faces')!.processed).toBeGreaterThanOrEqual(12);
    // Tracking and zone events of the same stream, tagged with it.
    const fromFaces = events.filter((e) => e.stream === 'faces');
    expect(fromFaces.some((e) => e.type === 'track.new')).toBe(true);
    expect(fromFaces.some((e) => e.type === 'zone.enter' && e.zone === 'all' && e.label === 'face')).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/ssd_stream_zone_occupancy\{stream="faces",zone="all",class="face"\} [1-9]/);
    expect(text).toMatch(/ssd_stream_end_to_end_seconds_count\{stream="faces",model="default"\} [1-9]/);
    expect(text).toMatch(/ssd_stream_inference_seconds_count\{stream="bars",model="default"\} [1-9]/);
  });

  it('keeps other streams running when a source is unreachable or not a video', async () => {
    // A long first backoff keeps both in `backoff` long enough to be seen there.
    const backoff = { initialMs: 20_000, maxMs: 20_000 };
    await rt.addStream({ id: 'dead', url: 'rtsp://127.0.0.1:9/nothing', timeouts: { connectMs: 1000 }, backoff });
    await rt.addStream({ id: 'text', url: join(dir, 'not-a-video.mp4'), backoff });
    await until('dead and text in backoff', () => info(rt, 'dead')?.state === 'backoff' && info(rt, 'text')?.state === 'backoff');
    expect(info(rt, 'dead')!.lastError).toBeTruthy();
    expect(info(rt, 'text')!.lastError).toMatch(/not-a-video|Invalid data|moov/i);
    const before = info(rt, 'faces')!.processed;
    await resultsOf(rt, 'faces', 3);
    expect(info(rt, 'faces')!.processed).toBeGreaterThan(before);
    await rt.removeStream('dead');
    await rt.removeStream('text');
    await expect(rt.removeStream('dead')).rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
  });

  it('drops the results of a stream removed while its batch is in flight, others unaffected', async () => {
    await rt.addStream({ id: 'gone', url: 'lavfi:testsrc2=size=320x240:rate=10' });
    await resultsOf(rt, 'gone', 1);
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    // A batch is now held after inference; wait until 'gone' has a frame in it.
    await new Promise((r) => setTimeout(r, 400));
    const infoBefore = info(rt, 'gone')!;
    await rt.removeStream('gone');
    const after = resultsOf(rt, 'bars', 2);
    gate = null;
    open();
    await after;
    expect(rt.streams().map((s) => s.id)).not.toContain('gone');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/ssd_stream_frames_dropped_total\{stream="gone",reason="stream_removed"\} [1-9]/);
    expect(infoBefore.processed).toBeGreaterThan(0);
  });

  it('swaps the model between batches without stopping streams', async () => {
    const before = info(rt, 'faces')!.processed;
    const m = await rt.swapModel('t', 'face-ssd-mobilenetv1');
    expect(m.name).toBe('face-ssd-mobilenetv1');
    // Batches already running finish on the old model; from the first new result on, all are new.
    const rs = await resultsOf(rt, 'faces', 6);
    const first = rs.findIndex((r) => r.model === 'face-ssd-mobilenetv1');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(2);
    expect(rs.slice(first).every((r) => r.model === 'face-ssd-mobilenetv1')).toBe(true);
    expect(rs.slice(first).some((r) => r.detections.length > 0)).toBe(true);
    expect(info(rt, 'faces')!.processed).toBeGreaterThan(before);
    expect(info(rt, 'faces')!.state).toBe('live');
    expect(rt.models()[0]!.name).toBe('face-ssd-mobilenetv1');
    await expect(rt.swapModel('nope', 'default')).rejects.toMatchObject({ code: ErrorCodes.NOT_FOUND });
  });

  it('rejects a bad stream with a config path', async () => {
    await expect(rt.addStream({ url: 'rtsp://a/b', fps: 0 })).rejects.toMatchObject({ code: ErrorCodes.CONFIG_INVALID, path: 'source.fps' });
    await expect(rt.addStream({ id: 'faces', url: 'rtsp://a/b' })).rejects.toMatchObject({ code: ErrorCodes.API_BAD_REQUEST });
  });
});

describe.skipIf(!pythonHas('torch', 'torchvision'))('hot swap to a model with another input size', () => {
  it('restarts the sources at the new size, keeps seq increasing and the stream listed', async () => {
    const ssdlite = join(torchvisionModels(), 'ssdlite320-raw.onnx');
    const metrics = createMetrics();
    const pl = join(dir, 'swap.yaml');
    writeFileSync(pl, `pipelines:\n  - name: s\n    sources:\n      - { id: cam, url: "lavfi:testsrc2=size=320x240:rate=10", jpeg: { enabled: false } }\n`);
    const rt = await createRuntime(loadConfig({ pipelinePath: pl }), { deps: defaultRuntimeDeps, metrics });
    try {
      const before = await resultsOf(rt, 'cam', 2);
      const m = await rt.swapModel('s', ssdlite);
      expect([m.inputWidth, m.inputHeight]).toEqual([320, 320]);
      const after = await firstValueFrom(rt.results$.pipe(filter((r) => r.model === ssdlite), take(3), toArray()));
      expect(after[0]!.seq).toBeGreaterThan(before.at(-1)!.seq);
      for (let i = 1; i < after.length; i++) expect(after[i]!.seq).toBeGreaterThan(after[i - 1]!.seq);
      expect(info(rt, 'cam')!.state).toBe('live');
      expect(rt.streams()).toHaveLength(1);
    } finally {
      await rt.stop();
      metrics.close();
    }
  });
});

describe('offline file sources', () => {
  it('process every frame with backpressure and then stop', async () => {
    const metrics = createMetrics();
    const cfg = loadConfig({ overrides: { sources: [] } });
    const rt = await createRuntime(
      { ...cfg, pipelines: [] },
      { deps: defaultRuntimeDeps, metrics },
    );
    try {
      await rt.startPipeline(
        loadConfig({
          pipelinePath: (() => {
            const p = join(dir, 'offline.yaml');
            writeFileSync(p, `pipelines:\n  - name: off\n    queueSize: 2\n    sources:\n      - { id: clip, url: ${clip}, realtime: false, jpeg: { enabled: false } }\n`);
            return p;
          })(),
        }).pipelines[0]!,
      );
      const seqs: number[] = [];
      const sub = rt.results$.subscribe((r) => seqs.push(r.seq));
      await until('file finished', () => info(rt, 'clip')?.state === 'stopped' && seqs.length === 30, 60_000);
      sub.unsubscribe();
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(info(rt, 'clip')!.dropped).toEqual({});
    } finally {
      await rt.stop();
      metrics.close();
    }
  });
});
