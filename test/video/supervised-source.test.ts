/**
 * Supervision without RTSP: file end, restart on end, backpressure by pause/resume, and the
 * stall watchdog against a real HTTP MJPEG server that goes silent without closing.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamState } from '../../src/pipeline/runtime-api.js';
import type { VideoFrame } from '../../src/video/ffmpeg-source.js';
import { superviseSource, type SupervisedSource } from '../../src/video/supervised-source.js';
import { ErrorCodes, SsdsError } from '../../src/errors.js';
import { makeTestVideo } from '../helpers/make-video.js';
import { isAlive as alive } from '../helpers/process-alive.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects frames, states and completion of a source. */
function record(s: SupervisedSource) {
  const r = { frames: [] as VideoFrame[], states: [] as StreamState[], completed: false };
  s.state$.subscribe((st) => r.states.push(st));
  s.frames$.subscribe({ next: (f) => r.frames.push(f), complete: () => (r.completed = true) });
  return r;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let clip: string; // 320x240, 15 fps, 2 s = 30 frames
beforeAll(async () => {
  clip = await makeTestVideo({ width: 320, height: 240, fps: 15, seconds: 2 });
});

describe('superviseSource on files', () => {
  it('plays a file once and stops at its end (frames$ completes, no restart)', async () => {
    const s = superviseSource({ streamId: 'f', url: clip, width: 32, height: 24, resize: 'stretch', padAlign: 'center' });
    const r = record(s);
    s.start();
    await until(() => r.completed, 10_000, 'completion');
    expect(r.frames).toHaveLength(30);
    expect(r.states).toEqual(['stopped', 'connecting', 'live', 'stopped']);
    const late: StreamState[] = [];
    s.state$.subscribe((st) => late.push(st));
    expect(late).toEqual(['stopped']);
    expect(s.reconnects).toBe(0);
    expect(s.sourceSize).toEqual({ width: 320, height: 240 });
  });

  it('restartOnEnd plays it again with seq continuing across runs', async () => {
    const s = superviseSource({
      streamId: 'f', url: clip, width: 16, height: 16, resize: 'stretch', padAlign: 'center',
      restartOnEnd: true, backoff: { initialMs: 50, maxMs: 50, jitter: 0 },
    });
    const r = record(s);
    s.start();
    await until(() => r.frames.length >= 45, 15_000, '45 frames');
    await s.stop();
    expect(s.reconnects).toBeGreaterThanOrEqual(1);
    expect(s.lastError).toBe('stream ended');
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(r.frames.length).keys()]);
    expect(r.completed).toBe(true);
    expect(s.state).toBe('stopped');
  });

  it('pause() holds ffmpeg back (backpressure) and resume() delivers the rest', async () => {
    const s = superviseSource({ streamId: 'f', url: clip, width: 320, height: 240, resize: 'stretch', padAlign: 'center', stallTimeoutMs: 1000 });
    const r = record(s);
    s.frames$.subscribe(() => {
      if (r.frames.length === 3) s.pause();
    });
    s.start();
    await until(() => r.frames.length >= 3, 10_000, '3 frames');
    await sleep(1500);
    const whilePaused = r.frames.length;
    // Only what was already in flight may arrive; far from the 30 frames an unpaused file gives.
    expect(whilePaused).toBeLessThan(10);
    expect(s.state).toBe('live'); // paused is not stalled, although 1500 ms > stallTimeoutMs
    s.resume();
    await until(() => r.completed, 10_000, 'completion');
    expect(r.frames).toHaveLength(30);
    expect(s.reconnects).toBe(0);
  });

  it('a file that is not a video goes to backoff with the reason, and retries', async () => {
    const s = superviseSource({
      streamId: 'bad', url: '/etc/hostname', width: 8, height: 8, resize: 'stretch', padAlign: 'center',
      restartOnEnd: true, backoff: { initialMs: 100, maxMs: 100, jitter: 0 },
    });
    const r = record(s);
    s.start();
    await until(() => s.reconnects >= 2, 10_000, 'two retries');
    await s.stop();
    expect(r.states).toContain('backoff');
    expect(s.lastError).toMatch(/^stream bad: \/etc\/hostname: not a video/);
    expect(r.frames).toHaveLength(0);
  });

  it('rejects bad options at once with a ConfigError', () => {
    expect(() => superviseSource({ streamId: 'x', url: clip, width: -1, height: 8, resize: 'stretch', padAlign: 'center' })).toThrow(SsdsError);
    try {
      superviseSource({ streamId: 'x', url: clip, width: 8, height: 8, resize: 'stretch', padAlign: 'middle' as 'center' });
    } catch (e) {
      expect((e as SsdsError).code).toBe(ErrorCodes.CONFIG_INVALID);
      expect((e as SsdsError).message).toContain('sources.x.padAlign');
    }
  });
});

describe('superviseSource on an HTTP MJPEG camera that stalls', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  const open = new Set<ServerResponse>();
  beforeAll(async () => {
    // A real MJPEG camera imitation: multipart JPEG parts at 10 fps, then silence (no close).
    const mjpeg = execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10',
      '-frames:v', '8', '-c:v', 'mjpeg', '-f', 'image2pipe', 'pipe:1',
    ]);
    const parts: Buffer[] = [];
    for (let at = 0; at < mjpeg.length; ) {
      const end = mjpeg.indexOf(Buffer.from([0xff, 0xd9]), at) + 2; // testsrc2 JPEGs hold no FF D9 in tables
      parts.push(mjpeg.subarray(at, end));
      at = end;
    }
    server = createServer((_req, res) => {
      connections++;
      open.add(res);
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=ssdsframe' });
      let i = 0;
      const timer = setInterval(() => {
        if (i >= parts.length) return clearInterval(timer); // stall: keep the socket open
        const p = parts[i++];
        res.write(`--ssdsframe\r\nContent-Type: image/jpeg\r\nContent-Length: ${p.length}\r\n\r\n`);
        res.write(p);
        res.write('\r\n');
      }, 100);
      res.on('close', () => {
        clearInterval(timer);
        open.delete(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const res of open) res.destroy();
    await new Promise((r) => server.close(r));
  });

  it('detects the stall, kills ffmpeg, backs off and reconnects', async () => {
    const s = superviseSource({
      streamId: 'mjpeg', url: `http://127.0.0.1:${port}/video.mjpg`, width: 32, height: 32, resize: 'pad', padAlign: 'center',
      stallTimeoutMs: 1000, readTimeoutMs: 30_000, backoff: { initialMs: 100, maxMs: 200, jitter: 0 },
    });
    const r = record(s);
    s.start();
    await until(() => s.state === 'live', 10_000, 'live');
    const firstPid = s.pid!;
    await until(() => s.reconnects >= 1 && s.state === 'live', 15_000, 'a reconnect after the stall');
    expect(s.lastError).toMatch(/^stalled: no frame for \d+ ms$/);
    expect(r.states).toContain('backoff');
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(r.frames[0].sourceWidth).toBe(160);
    // The stalled ffmpeg was told to go (SIGTERM, SIGKILL after the grace period).
    await until(() => !alive(firstPid), 3000, `stalled ffmpeg ${firstPid} to exit`);
    const pid = s.pid!;
    await s.stop();
    expect(alive(pid)).toBe(false);
    expect(r.frames.map((f) => f.seq)).toEqual([...Array(r.frames.length).keys()]);
  });
});
