import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, SsdsError } from '../../src/errors.js';
import { ffmpegFrames, type VideoFrame, type VideoSourceOptions } from '../../src/video/ffmpeg-source.js';
import { makeTestVideo } from '../helpers/make-video.js';
import { freePort } from '../helpers/rtsp-server.js';
import { isAlive as alive } from '../helpers/process-alive.js';

const base = { streamId: 'cam', resize: 'stretch', padAlign: 'center' } as const;
const all = (o: VideoSourceOptions, hooks?: Parameters<typeof ffmpegFrames>[1]) => lastValueFrom(ffmpegFrames(o, hooks).pipe(toArray()));
const failure = (o: VideoSourceOptions) => all(o).then(() => { throw new Error('no error'); }, (e: unknown) => e as SsdsError);

/** Mean of every byte (for grey pictures: the brightness). */
const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
/** Mean of the RGB bytes of rows [y0, y1) of an rgb24 frame. */
function rowMean(f: VideoFrame, y0: number, y1: number): number {
  return mean(f.data.subarray(y0 * f.width * 3, y1 * f.width * 3));
}

let ramp: string; // 48x32, 15 fps, 2 s: luma 16+7·N on frame N, so order and pairing show
let white: string; // 64x36 (16:9), all white
let fast: string; // 30 fps, 2 s

beforeAll(async () => {
  ramp = await makeTestVideo({ width: 48, height: 32, fps: 15, seconds: 2, pattern: 'color=c=black', filter: "geq=lum='16+N*7':cb=128:cr=128" });
  white = await makeTestVideo({ width: 64, height: 36, fps: 10, seconds: 1, pattern: 'color=c=white' });
  fast = await makeTestVideo({ width: 64, height: 48, fps: 30, seconds: 2 });
});

describe('ffmpegFrames on files', () => {
  it('emits every frame in order with the model size, seq and the source size, then completes', async () => {
    const frames = await all({ ...base, url: ramp, width: 24, height: 16 });
    expect(frames).toHaveLength(30);
    frames.forEach((f, i) => {
      expect(f.seq).toBe(i);
      expect(f.streamId).toBe('cam');
      expect([f.width, f.height, f.data.length]).toEqual([24, 16, 24 * 16 * 3]);
      expect([f.sourceWidth, f.sourceHeight]).toEqual([48, 32]);
      expect(f.jpeg).toBeUndefined();
    });
    // Brightness rises ~8 RGB levels per frame: frames arrive in decode order, none lost or repeated.
    const levels = frames.map((f) => mean(f.data));
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1]).toBeGreaterThan(5);
    expect(frames[29].capturedAt).toBeGreaterThanOrEqual(frames[0].capturedAt);
  });

  it('pad keeps the aspect ratio with black bars where padAlign says; stretch fills', async () => {
    // 64x36 white into 32x32: the picture is 32x18; centre pad puts it at rows 7..24.
    const [center] = await all({ ...base, url: white, width: 32, height: 32, resize: 'pad', padAlign: 'center' });
    expect(rowMean(center, 0, 6)).toBeLessThan(10);
    expect(rowMean(center, 8, 24)).toBeGreaterThan(240);
    expect(rowMean(center, 26, 32)).toBeLessThan(10);
    const [topLeft] = await all({ ...base, url: white, width: 32, height: 32, resize: 'pad', padAlign: 'top-left' });
    expect(rowMean(topLeft, 0, 17)).toBeGreaterThan(240);
    expect(rowMean(topLeft, 19, 32)).toBeLessThan(10);
    const [stretch] = await all({ ...base, url: white, width: 32, height: 32, resize: 'stretch' });
    expect(rowMean(stretch, 0, 32)).toBeGreaterThan(240);
    // Pad with a wider target: bars left and right (columns), picture centred.
    const [wide] = await all({ ...base, url: white, width: 64, height: 18, resize: 'pad', padAlign: 'center' });
    const col = (x: number) => wide.data[(9 * 64 + x) * 3];
    expect(col(0)).toBeLessThan(10);
    expect(col(31)).toBeGreaterThan(240);
    expect(col(63)).toBeLessThan(10);
  });

  it('decimates to at most fps without duplicating frames', async () => {
    const tenth = await all({ ...base, url: fast, width: 16, height: 16, fps: 10 });
    expect(tenth.length).toBeGreaterThanOrEqual(19);
    expect(tenth.length).toBeLessThanOrEqual(21);
    // Asking for more than the source has gives the source's frames, not duplicates.
    const more = await all({ ...base, url: fast, width: 16, height: 16, fps: 60 });
    expect(more).toHaveLength(60);
  });

  it('pairs each frame with its display JPEG from the same decode', async () => {
    const frames = await all({ ...base, url: ramp, width: 24, height: 16, jpeg: { width: 32, quality: 95 } });
    expect(frames).toHaveLength(30);
    for (const f of frames) {
      const { data, info } = await sharp(f.jpeg!).greyscale().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([32, 22]); // 48x32 scaled to width 32, even height
      // Same picture: the JPEG's grey level matches its frame's, and neighbours differ by ~8.
      expect(Math.abs(mean(data) - mean(f.data))).toBeLessThan(3);
    }
    // Default display width: the source's own (under the 640 px cap).
    const [first] = await firstValueFrom(ffmpegFrames({ ...base, url: ramp, width: 8, height: 8, jpeg: {} }).pipe(take(1), toArray()));
    expect((await sharp(first.jpeg!).metadata()).width).toBe(48);
  });

  it('a file that is not a video fails with SOURCE_FAILED naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssds-video-'));
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'these are not frames\n'.repeat(50));
    // ffmpeg's tty demuxer would render a .txt as ANSI-art video; it must be refused.
    const err = await failure({ ...base, url: txt, width: 8, height: 8 });
    expect(err).toBeInstanceOf(SsdsError);
    expect(err.code).toBe(ErrorCodes.SOURCE_FAILED);
    expect(err.message).toMatch(new RegExp(`^stream cam: ${txt}: not a video \\(ffmpeg reads it as 'tty'`));
    const fake = join(dir, 'fake.mp4');
    writeFileSync(fake, 'these are not frames\n'.repeat(50));
    const err2 = await failure({ ...base, url: fake, width: 8, height: 8 });
    expect(err2.code).toBe(ErrorCodes.SOURCE_FAILED);
    expect(err2.message).toBe(`stream cam: ${fake}: not a video (ffmpeg: Invalid data found when processing input)`);
    const missing = await failure({ ...base, url: join(dir, 'nope.mp4'), width: 8, height: 8 });
    expect(missing.code).toBe(ErrorCodes.SOURCE_FAILED);
    expect(missing.message).toBe(`stream cam: ${join(dir, 'nope.mp4')}: file not found`);
  });
});

describe('ffmpegFrames on live sources', () => {
  it('lavfi test pattern: frames at the paced rate until unsubscribed; ffmpeg is gone after', async () => {
    let child: ChildProcess | undefined;
    const t0 = Date.now();
    const frames = await lastValueFrom(
      ffmpegFrames(
        { ...base, url: 'lavfi:testsrc2=size=160x90:rate=20', width: 32, height: 32, resize: 'pad', jpeg: { width: 80 } },
        { onSpawn: (c) => (child = c) },
      ).pipe(take(10), toArray()),
    );
    expect(frames.map((f) => f.seq)).toEqual([...Array(10).keys()]);
    expect(frames[0].sourceWidth).toBe(160);
    expect(Date.now() - t0).toBeGreaterThan(300); // -re pacing: 10 frames at 20 fps ≈ 0.5 s
    const pid = child!.pid!;
    await new Promise<void>((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve() : child!.once('exit', () => resolve())));
    expect(alive(pid)).toBe(false);
  });

  it('an unreachable RTSP URL fails with SOURCE_FAILED saying why', async () => {
    const port = await freePort();
    const url = `rtsp://user:pw@127.0.0.1:${port}/cam`;
    const err = await failure({ ...base, url, width: 8, height: 8, readTimeoutMs: 2000 });
    expect(err.code).toBe(ErrorCodes.SOURCE_FAILED);
    expect(err.message).toBe(`stream cam: cannot reach rtsp://user:***@127.0.0.1:${port}/cam: Connection refused`);
    expect(err.message).not.toContain(':pw@');
  });

  it('a live source that never delivers a frame fails after connectTimeoutMs', async () => {
    // A listening socket that never answers RTSP: ffmpeg waits; our connect timeout ends it.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    const err = await failure({ ...base, url: `rtsp://127.0.0.1:${port}/x`, width: 8, height: 8, connectTimeoutMs: 800, readTimeoutMs: 30_000 });
    silent.close();
    expect(err.code).toBe(ErrorCodes.SOURCE_FAILED);
    expect(err.message).toContain('within 800 ms');
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
