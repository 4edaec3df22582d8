/**
 * Against a real RTSP server (gst-rtsp-server via python3-gi, test/helpers/rtsp-server.py):
 * plain runs over TCP and UDP, and the supervised source riding out a server crash.
 */
import { lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamState } from '../../src/pipeline/runtime-api.js';
import { ffmpegFrames } from '../../src/video/ffmpeg-source.js';
import { superviseSource, type SupervisedSource } from '../../src/video/supervised-source.js';
import type { VideoFrame } from '../../src/video/ffmpeg-source.js';
import { makeTestVideo } from '../helpers/make-video.js';
import { rtspServerAvailable, startRtspServer, type RtspServerHandle } from '../helpers/rtsp-server.js';
import { isAlive as alive } from '../helpers/process-alive.js';

const available = rtspServerAvailable();
if (!available) console.warn('skipping RTSP tests: python3-gi with gir1.2-gst-rtsp-server-1.0 (and x264enc, intervideosrc) not available');


/** Resolves when `s.state$` emits `want` (rejects after `ms`). */
function waitState(s: SupervisedSource, want: StreamState, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`state ${want} not reached within ${ms} ms (now ${s.state}, lastError ${s.lastError})`));
    }, ms);
    const sub = s.state$.subscribe((st) => {
      if (st === want) {
        clearTimeout(timer);
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });
}

describe.skipIf(!available)('RTSP sources', () => {
  let server: RtspServerHandle;
  beforeAll(async () => {
    const clip = await makeTestVideo({ width: 320, height: 240, fps: 15, seconds: 3 });
    server = await startRtspServer({ file: clip, name: 'cam', width: 320, height: 240, fps: 15, gop: 15 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const transport of ['tcp', 'udp'] as const) {
    it(`receives frames over ${transport.toUpperCase()} with the stream's real size`, async () => {
      const frames = await lastValueFrom(
        ffmpegFrames({
          streamId: `rtsp-${transport}`, url: server.url, rtspTransport: transport,
          width: 64, height: 64, resize: 'pad', padAlign: 'center', jpeg: { width: 160 },
        }).pipe(take(20), toArray()),
      );
      expect(frames.map((f) => f.seq)).toEqual([...Array(20).keys()]);
      for (const f of frames) {
        expect([f.sourceWidth, f.sourceHeight]).toEqual([320, 240]);
        expect(f.data.length).toBe(64 * 64 * 3);
        expect(f.jpeg!.length).toBeGreaterThan(500);
      }
      // 20 frames of a 15 fps live stream span ~1.3 s: paced by the server (margin for a loaded CI).
      expect(frames[19].capturedAt - frames[0].capturedAt).toBeGreaterThan(600);
    });
  }

  it('supervised: live → backoff when the server dies → live again after restart, seq keeps rising; stop leaves no ffmpeg', async () => {
    const src = superviseSource({
      streamId: 'cam', url: server.url, width: 32, height: 32, resize: 'stretch', padAlign: 'center',
      stallTimeoutMs: 3000, connectTimeoutMs: 5000, readTimeoutMs: 3000,
      backoff: { initialMs: 200, maxMs: 800, factor: 2, jitter: 0.1 },
    });
    const states: StreamState[] = [];
    src.state$.subscribe((s) => states.push(s));
    const frames: VideoFrame[] = [];
    let completed = false;
    src.frames$.subscribe({ next: (f) => frames.push(f), complete: () => (completed = true) });
    src.start();
    await waitState(src, 'live');
    expect(src.sourceSize).toEqual({ width: 320, height: 240 });
    const firstPid = src.pid!;
    expect(alive(firstPid)).toBe(true);

    await server.kill();
    await waitState(src, 'backoff');
    expect(src.lastError).toBeTruthy();
    const before = frames.length;
    expect(before).toBeGreaterThan(0);

    await server.restart();
    await waitState(src, 'live');
    expect(src.reconnects).toBeGreaterThanOrEqual(1);
    const after = await new Promise<number>((resolve) => {
      const check = setInterval(() => {
        if (frames.length >= before + 10) {
          clearInterval(check);
          resolve(frames.length);
        }
      }, 50);
    });
    expect(after).toBeGreaterThanOrEqual(before + 10);
    // One numbering across restarts: 0, 1, 2 ... with no resets or gaps.
    expect(frames.map((f) => f.seq)).toEqual([...Array(frames.length).keys()]);
    expect(alive(firstPid)).toBe(false);
    expect(states.slice(0, 3)).toEqual(['stopped', 'connecting', 'live']);
    expect(states).toContain('backoff');

    const pid = src.pid!;
    await src.stop();
    expect(src.state).toBe('stopped');
    expect(completed).toBe(true);
    expect(alive(pid)).toBe(false);
  });
});
