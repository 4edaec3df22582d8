/**
 * End to end: a real RTSP server (gst-rtsp-server) and a second source, `ssd-stream serve` as a
 * child process, a real WebSocket client, /api/streams, /metrics, then camera loss and return,
 * and SIGTERM.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { rtspServerAvailable, startRtspServer, freePort, type RtspServerHandle } from '../helpers/rtsp-server.js';
import { demoToLavfi } from '../../src/pipeline/demo-sources.js';
import type { StreamInfo } from '../../src/pipeline/runtime-api.js';
import { isAlive as alive } from '../helpers/process-alive.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'test', '.cache', 'e2e');

interface Det {
  type: string;
  stream: string;
  seq: number;
  detections: { label: string; trackId?: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => T | Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** pids of the ffmpeg processes whose parent is `pid`. */
function ffmpegChildren(pid: number): number[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((p) => p[1] === 'ffmpeg')
      .map((p) => Number(p[0]));
  } catch {
    return []; // ps exits 1 when there is no child
  }
}

describe.skipIf(!rtspServerAvailable())('serve end to end with an RTSP camera', () => {
  let rtsp: RtspServerHandle;
  let serve: ChildProcess;
  let port: number;
  let base: string;
  let stdout = '';
  let stderr = '';
  const messages: Det[] = [];
  const events: { type: string; stream: string; snapshot?: string }[] = [];
  let ws: WebSocket;

  const streams = async (): Promise<StreamInfo[]> => ((await (await fetch(`${base}/api/streams`)).json()) as { streams: StreamInfo[] }).streams;
  const stream = async (id: string) => (await streams()).find((s) => s.id === id);
  const countFor = (id: string) => messages.filter((m) => m.stream === id).length;

  beforeAll(async () => {
    // A clip with real faces (the demo's moving photo), short keyframe interval for a quick start.
    mkdirSync(CACHE, { recursive: true });
    const clip = join(CACHE, 'faces-320x240-15fps-g15.mp4');
    if (!existsSync(clip)) {
      execFileSync('ffmpeg', [
        '-v', 'error', '-f', 'lavfi', '-i', demoToLavfi('demo:sample1?motion=pan&fps=15&size=360x240').slice('lavfi:'.length),
        '-t', '6', '-vf', 'scale=320:240', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p', '-y', clip,
      ]);
    }
    rtsp = await startRtspServer({ file: clip, width: 320, height: 240, fps: 15, gop: 15 });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'ssds-e2e-'));
    const pipeline = join(dir, 'e2e.yaml');
    writeFileSync(
      pipeline,
      `pipelines:
  - name: e2e
    maxBatch: 2
    maxWaitMs: 10
    sources:
      - id: cam
        url: ${rtsp.url}
        fps: 10
        timeouts: { connectMs: 4000, readMs: 3000, stallMs: 3000 }
        backoff: { initialMs: 300, maxMs: 1500 }
      - id: second
        url: "demo:sample2?motion=zoom&fps=10&size=360x240"
`,
    );
    serve = spawn(process.execPath, [join(ROOT, 'bin', 'ssd-stream.js'), 'serve', '--pipeline', pipeline, '--port', String(port), '--host', '127.0.0.1'], {
      cwd: ROOT,
      env: { ...process.env, SSDS_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    serve.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    await until('serve to print its URL', () => {
      if (serve.exitCode !== null) throw new Error(`serve exited ${serve.exitCode}: ${stderr}`);
      return stdout.includes(`127.0.0.1:${port}`);
    }, 120_000);
    ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(String(data)) as Det;
      if (m.type === 'detections') messages.push(m);
      if (m.type === 'event') events.push((m as unknown as { event: (typeof events)[number] }).event);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  });

  afterAll(async () => {
    ws?.close();
    if (serve && serve.exitCode === null) serve.kill('SIGKILL');
    await rtsp?.stop();
  });

  it('streams detections of both sources over WebSocket with increasing seq', async () => {
    await until('detections from both streams', () => countFor('cam') >= 8 && countFor('second') >= 8, 60_000);
    for (const id of ['cam', 'second']) {
      const seqs = messages.filter((m) => m.stream === id).map((m) => m.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    }
    // The clip shows real faces: the default model finds them and the tracker numbers them.
    const faces = messages.filter((m) => m.stream === 'cam' && m.detections.some((d) => d.label === 'face' && d.trackId !== undefined));
    expect(faces.length).toBeGreaterThan(0);
    expect((await stream('cam'))!.state).toBe('live');
  });

  it('keeps the second stream flowing while the camera is gone and resumes it on return', async () => {
    await rtsp.kill();
    const info = await until('cam in backoff', async () => {
      const s = await stream('cam');
      return s?.state === 'backoff' ? s : undefined;
    });
    expect(info.lastError).toBeTruthy();
    // The second stream keeps delivering while the camera is down.
    const second = countFor('second');
    await until('second stream still flowing', () => countFor('second') >= second + 3, 15_000);
    expect((await stream('cam'))!.state).not.toBe('live');

    await rtsp.restart();
    const cam = countFor('cam');
    await until('cam live again', async () => (await stream('cam'))?.state === 'live', 30_000);
    await until('cam detections again', () => countFor('cam') > cam + 3, 30_000);
    const s = (await stream('cam'))!;
    expect(s.reconnects).toBeGreaterThan(0);
  });

  it('sends track events whose snapshot URL serves a JPEG of the frame', async () => {
    const ev = await until('a track.new event with a snapshot', () => events.find((e) => e.type === 'track.new' && e.snapshot), 60_000);
    expect(ev.snapshot).toMatch(/^\/api\/snapshots\/[\w-]+\.jpg$/);
    const r = await fetch(`${base}${ev.snapshot}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await r.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    expect((await fetch(`${base}/api/snapshots/nope.jpg`)).status).toBe(404);
  });

  it('exports the stage histograms with non-zero counts', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    for (const stage of ['decode', 'queue', 'inference', 'postprocess', 'track', 'send', 'end_to_end']) {
      const m = new RegExp(`^ssd_stream_${stage}_seconds_count\\{stream="cam",model="default"\\} (\\d+)`, 'm').exec(text);
      expect(m, stage).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(0);
    }
    expect(text).toMatch(/^ssd_stream_reconnects_total\{stream="cam"\} [1-9]/m);
    expect(text).toMatch(/^ssd_stream_stream_state\{stream="cam",state="live"\} 1/m);
  });

  it('rejects a bad stream over the API with a clear message, others unaffected', async () => {
    const r = await fetch(`${base}/api/streams`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'rtsp://x/y', fps: -3 }) });
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).toContain('source.fps');
    expect((await stream('second'))!.state).toBe('live');
  });

  it('exits 0 within 5 s on SIGTERM and leaves no ffmpeg behind', async () => {
    const children = ffmpegChildren(serve.pid!);
    expect(children.length).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    const exited = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
    serve.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(6000).then(() => 'timeout' as const)]);
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    await sleep(200);
    expect(children.filter(alive)).toEqual([]);
  });
});
