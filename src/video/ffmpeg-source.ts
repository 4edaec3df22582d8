/**
 * One ffmpeg run as an `Observable<VideoFrame>`: subscribe spawns ffmpeg, frames come in order,
 * the end of a file completes, a failure errors with `SOURCE_FAILED`, unsubscribe kills ffmpeg.
 * Restarting is not done here but in `supervised-source.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Observable, type Subscriber } from 'rxjs';
import { ErrorCodes, SsdsError, errorMessage } from '../errors.js';
import type { Frame } from '../types.js';
import { logger } from '../util/logger.js';
import { JPEG_FD, buildFfmpegPlan } from './ffmpeg.js';
import { FfmpegLog, NON_VIDEO_FORMATS, describeFailure } from './ffmpeg-log.js';
import { findFfmpeg } from './find-ffmpeg.js';
import { JpegSplitter } from './jpeg-splitter.js';
import { RawFrameReader } from './raw-frame-reader.js';
import { resolveSourceOptions, type ResolvedSourceOptions, type VideoSourceOptions } from './source-options.js';
import { redactUrl } from './source-url.js';

export type { VideoSourceOptions } from './source-options.js';

const log = logger.child({ module: 'video' });

/**
 * After SIGTERM, ffmpeg gets this long to leave (an RTSP TEARDOWN) before SIGKILL. It usually
 * exits within milliseconds, but one blocked mid-stream in an HTTP read ignores SIGTERM
 * (measured with ffmpeg 5.1 on a stalled MJPEG camera), so the grace stays short.
 */
const KILL_GRACE_MS = 1_000; // ms
/** If one output runs this many frames ahead of the other, the pairing is broken. */
const MAX_PAIR_SKEW = 64; // frames

/** A frame plus, when asked for, its display-size JPEG (same picture, same index). */
export interface VideoFrame extends Frame {
  jpeg?: Uint8Array;
  /**
   * ms from the frame's first byte on ffmpeg's pipe to its emission here (pipe transfer,
   * reassembly, waiting for its JPEG twin): the part of decoding visible from outside ffmpeg,
   * recorded as the `decode` stage.
   */
  decodeMs?: number;
}

/** Optional observers of one run (the supervisor uses them; plain callers need none). */
export interface FfmpegRunHooks {
  /** Called with the child right after spawn (pid for orphan checks, exit for stop()). */
  onSpawn?(child: ChildProcess): void;
  /** Called once the input's real picture size is known. */
  onSourceSize?(width: number, height: number): void;
}

/**
 * One ffmpeg run: emits frames in order; completes at end of file; errors with SsdsError
 * SOURCE_FAILED naming the stream and ffmpeg's last stderr lines. Unsubscribe kills ffmpeg
 * (SIGTERM, then SIGKILL after a grace period) so no process outlives its subscriber.
 * Invalid options error with ConfigError; no ffmpeg binary errors with FFMPEG_NOT_FOUND.
 */
export function ffmpegFrames(opts: VideoSourceOptions, hooks: FfmpegRunHooks = {}): Observable<VideoFrame> {
  return new Observable<VideoFrame>((subscriber) => {
    const o = resolveSourceOptions(opts);
    const run = new FfmpegRun(o, subscriber, hooks);
    findFfmpeg().then(
      (bin) => run.start(bin),
      (e: unknown) => subscriber.error(e),
    );
    return () => run.close();
  });
}

/** State of one ffmpeg child and its pipes. */
class FfmpegRun {
  private child: ChildProcess | undefined;
  private closed = false;
  private seq = 0;
  private readonly rgbQueue: { data: Uint8Array; startedAt: number }[] = [];
  private readonly jpegQueue: Uint8Array[] = [];
  private readonly log: FfmpegLog;
  private connectTimer: NodeJS.Timeout | undefined;
  private jpeg = false;

  constructor(
    private readonly o: ResolvedSourceOptions,
    private readonly subscriber: Subscriber<VideoFrame>,
    private readonly hooks: FfmpegRunHooks,
  ) {
    this.log = new FfmpegLog({
      onSourceSize: (w, h) => {
        this.hooks.onSourceSize?.(w, h);
        // Frames that beat the stream info through the event loop were held back; send them now.
        this.flush();
      },
      onInputFormat: (format) => {
        if (NON_VIDEO_FORMATS.has(format)) {
          this.fail(`${this.o.source.input}: not a video (ffmpeg reads it as '${format}', i.e. text or binary data)`);
        }
      },
    });
  }

  start(bin: string): void {
    if (this.closed) return;
    const { o } = this;
    if (o.source.kind === 'file' && !existsSync(o.source.input)) {
      this.fail(`${o.source.input}: file not found`);
      return;
    }
    const plan = buildFfmpegPlan(o);
    this.jpeg = plan.jpeg;
    log.debug({ stream: o.streamId, args: plan.args.map(redactUrl) }, 'spawning ffmpeg');
    const child = spawn(bin, plan.args, {
      stdio: ['ignore', 'pipe', 'pipe', plan.jpeg ? 'pipe' : 'ignore'],
    });
    this.child = child;
    // A pipe torn down under a dying ffmpeg may emit EPIPE/ECONNRESET; the exit code tells
    // the story, and an unhandled 'error' event would take the whole server down.
    for (const s of child.stdio) s?.on('error', (e) => log.debug({ stream: o.streamId, err: errorMessage(e) }, 'ffmpeg pipe error'));
    this.hooks.onSpawn?.(child);
    const rgb = new RawFrameReader(plan.frameBytes, (f, t) => this.onRgb(f, t));
    child.stdout!.on('data', (c: Buffer) => rgb.push(c));
    child.stderr!.on('data', (c: Buffer) => this.log.push(c));
    if (plan.jpeg) {
      const splitter = new JpegSplitter((j) => this.onJpeg(j));
      (child.stdio[JPEG_FD] as Readable).on('data', (c: Buffer) => splitter.push(c));
    }
    child.on('error', (e) => this.fail(`cannot start ffmpeg (${bin}): ${errorMessage(e)}`, e));
    // 'close' (not 'exit') fires after every pipe is drained, so no frame is lost at the end.
    child.on('close', (code, signal) => this.onClose(code, signal, rgb.pendingBytes));
    if (o.live) {
      this.connectTimer = setTimeout(() => {
        if (this.seq === 0 && this.rgbQueue.length === 0) {
          this.fail(`no frame from ${redactUrl(o.url)} within ${o.connectTimeoutMs} ms`);
        }
      }, o.connectTimeoutMs);
    }
  }

  /** Kills ffmpeg and stops all callbacks; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, KILL_GRACE_MS);
    child.once('exit', () => clearTimeout(timer));
    // Stop reading: a blocked ffmpeg writing to a closed pipe gets EPIPE and exits too.
    for (const s of child.stdio) if (s && 'destroy' in s) s.destroy();
  }

  private onRgb(frame: Uint8Array, startedAt: number): void {
    this.rgbQueue.push({ data: frame, startedAt });
    this.flush();
  }

  private onJpeg(jpeg: Uint8Array): void {
    this.jpegQueue.push(jpeg);
    this.flush();
  }

  /** Emits every frame whose pair (if any) is complete, once the source size is known. */
  private flush(): void {
    if (this.closed) return;
    const size = this.log.sourceSize;
    if (!size) return;
    while (this.rgbQueue.length && (!this.jpeg || this.jpegQueue.length)) {
      const { data, startedAt } = this.rgbQueue.shift()!;
      const frame: VideoFrame = {
        streamId: this.o.streamId,
        seq: this.seq++,
        capturedAt: Date.now(),
        width: this.o.width,
        height: this.o.height,
        data,
        sourceWidth: size.width,
        sourceHeight: size.height,
        decodeMs: performance.now() - startedAt,
      };
      if (this.jpeg) frame.jpeg = this.jpegQueue.shift();
      if (this.seq === 1) clearTimeout(this.connectTimer);
      this.subscriber.next(frame);
      if (this.closed) return; // the subscriber unsubscribed inside next()
    }
    if (Math.abs(this.rgbQueue.length - this.jpegQueue.length) > MAX_PAIR_SKEW) {
      this.fail(`frame and JPEG outputs are out of step by more than ${MAX_PAIR_SKEW} frames`);
    }
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null, leftover: number): void {
    if (this.closed) return;
    clearTimeout(this.connectTimer);
    if (code === 0) {
      // Stream info may be missing for odd inputs; frames then report the output size.
      if (!this.log.sourceSize && this.rgbQueue.length) {
        log.warn({ stream: this.o.streamId }, 'ffmpeg printed no input size; using the frame size');
      }
      this.flushUnsized();
      if (leftover) log.debug({ stream: this.o.streamId, bytes: leftover }, 'dropped a partial frame at the end');
      this.closed = true;
      this.subscriber.complete();
      return;
    }
    this.fail(describeFailure(this.o.source, this.o.url, this.log.lastLines, { code, signal }));
  }

  private flushUnsized(): void {
    this.log.assumeSourceSize(this.o.width, this.o.height);
    this.flush();
  }

  private fail(reason: string, cause?: unknown): void {
    if (this.closed) return;
    const err = new SsdsError(ErrorCodes.SOURCE_FAILED, `stream ${this.o.streamId}: ${reason}`, { cause });
    this.close();
    this.subscriber.error(err);
  }
}
