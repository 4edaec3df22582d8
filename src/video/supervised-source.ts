/**
 * A source that keeps itself running: it restarts ffmpeg with exponential backoff and jitter
 * when a run fails or stalls (no frame for `stallTimeoutMs`), so a flaky camera never reaches
 * the pipeline as an error. Its lifecycle is an explicit state machine:
 *
 * ```
 *   start()          first frame            error / stall / end (live)
 * ─────────► connecting ─────────► live ───────────────────────► backoff
 *                ▲                                                 │ timer
 *                └─────────────────────────────────────────────────┘
 *   stop(), or the end of a file that is not restarted ──► stopped (frames$ completes)
 * ```
 */
import type { ChildProcess } from 'node:child_process';
import { BehaviorSubject, Subject, defer, distinctUntilChanged, of, type Observable, type Subscription } from 'rxjs';
import { errorMessage, isSsdsError, ErrorCodes } from '../errors.js';
import type { StreamState } from '../pipeline/runtime-api.js';
import { logger } from '../util/logger.js';
import { backoffDelayMs, type BackoffOptions } from './backoff.js';
import { ffmpegFrames, type VideoFrame } from './ffmpeg-source.js';
import { resolveSourceOptions, type VideoSourceOptions } from './source-options.js';
import { redactUrl } from './source-url.js';

const log = logger.child({ module: 'video' });

/** Defaults, with units. */
export const SUPERVISOR_DEFAULTS = {
  stallTimeoutMs: 10_000, // ms without a frame while live
  /** A killed ffmpeg that has not exited after this long is reported and forgotten. */
  stopTimeoutMs: 5_000, // ms
};

/** Options of a supervised source. */
export interface SupervisedSourceOptions extends VideoSourceOptions {
  backoff?: BackoffOptions;
  /** Restart when no frame arrived for this long (ms); default 10 000. */
  stallTimeoutMs?: number;
  /** Restart when ffmpeg ends normally; default: true for live sources, false for files. */
  restartOnEnd?: boolean;
}

/** A source that restarts itself; see the module comment for its states. */
export interface SupervisedSource {
  /** Hot; `seq` keeps increasing across restarts; completes when the source stops. */
  readonly frames$: Observable<VideoFrame>;
  /** Current state first, then every change. */
  readonly state$: Observable<StreamState>;
  readonly state: StreamState;
  /** Restarts so far (each new ffmpeg run after the first). */
  readonly reconnects: number;
  /** Why the source last failed. */
  readonly lastError?: string;
  /** The stream's real picture size, once ffmpeg reported it. */
  readonly sourceSize?: { width: number; height: number };
  /** pid of the running ffmpeg, if any (for orphan checks and diagnostics). */
  readonly pid?: number;
  /** Starts the first run; later calls do nothing. */
  start(): void;
  /** Kills ffmpeg and resolves once it has exited; state becomes `stopped`. */
  stop(): Promise<void>;
  /**
   * Stops reading ffmpeg's pipes so it blocks (backpressure for files processed frame by frame).
   * The stall watchdog sleeps meanwhile.
   */
  pause(): void;
  /** Resumes reading after {@link SupervisedSource.pause}. */
  resume(): void;
}

/**
 * Wraps {@link ffmpegFrames} in restart logic. Options are checked at once (ConfigError).
 */
export function superviseSource(opts: SupervisedSourceOptions): SupervisedSource {
  return new Supervisor(opts);
}

class Supervisor implements SupervisedSource {
  private readonly frames = new Subject<VideoFrame>();
  private readonly states = new BehaviorSubject<StreamState>('stopped');
  readonly frames$ = this.frames.asObservable();
  // A completed BehaviorSubject replays nothing, so late subscribers still get 'stopped'.
  readonly state$: Observable<StreamState> = defer(() =>
    this.states.isStopped ? of(this.states.value) : this.states.pipe(distinctUntilChanged()),
  );
  reconnects = 0;
  lastError?: string;
  sourceSize?: { width: number; height: number };

  private seq = 0;
  private attempt = 0;
  private started = false;
  private stopping = false;
  private paused = false;
  private run?: Subscription;
  private child?: ChildProcess;
  private lastFrameAt = 0;
  private watchdog?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private readonly live: boolean;
  private readonly restartOnEnd: boolean;
  private readonly stallTimeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(private readonly opts: SupervisedSourceOptions) {
    const resolved = resolveSourceOptions(opts);
    this.live = resolved.live;
    this.connectTimeoutMs = resolved.connectTimeoutMs;
    this.restartOnEnd = opts.restartOnEnd ?? resolved.live;
    this.stallTimeoutMs = opts.stallTimeoutMs ?? SUPERVISOR_DEFAULTS.stallTimeoutMs;
  }

  get state(): StreamState {
    return this.states.value;
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
    // One interval per source instead of a timer reset per frame: cheaper at 30 fps × N streams.
    this.watchdog = setInterval(() => this.checkStall(), Math.min(1000, Math.max(50, this.stallTimeoutMs / 4)));
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    const child = this.child;
    this.endRun();
    if (child) await waitForExit(child, SUPERVISOR_DEFAULTS.stopTimeoutMs, this.opts.streamId);
    this.finish();
  }

  pause(): void {
    this.paused = true;
    this.setFlowing(false);
  }

  resume(): void {
    this.paused = false;
    this.lastFrameAt = Date.now(); // the pause is not a stall
    this.setFlowing(true);
  }

  /** connecting: one new ffmpeg run. */
  private connect(): void {
    if (this.stopping) return;
    this.setState('connecting');
    this.lastFrameAt = Date.now();
    const run = ffmpegFrames(this.opts, {
      onSpawn: (child) => {
        this.child = child;
        if (this.paused) this.setFlowing(false);
      },
      onSourceSize: (width, height) => {
        this.sourceSize = { width, height };
      },
    });
    this.run = run.subscribe({
      next: (f) => this.onFrame(f),
      error: (e: unknown) => this.onFailure(errorMessage(e), !isSsdsError(e, ErrorCodes.SOURCE_FAILED)),
      complete: () => {
        if (this.restartOnEnd) this.onFailure('stream ended', false);
        else this.finish();
      },
    });
  }

  private onFrame(f: VideoFrame): void {
    this.lastFrameAt = Date.now();
    if (this.state !== 'live') {
      this.attempt = 0; // a run that delivered frames resets the backoff
      this.setState('live');
      log.info({ stream: this.opts.streamId, reconnects: this.reconnects }, 'source live');
    }
    f.seq = this.seq++;
    this.frames.next(f);
  }

  /** → backoff, then → connecting after the delay. */
  private onFailure(reason: string, fatal: boolean): void {
    if (this.stopping) return;
    this.lastError = reason;
    this.endRun();
    if (fatal) {
      // Bad options or no ffmpeg at all: restarting cannot help.
      log.error({ stream: this.opts.streamId, err: reason }, 'source cannot run');
      this.finish();
      return;
    }
    const delay = backoffDelayMs(this.attempt++, this.opts.backoff);
    this.setState('backoff');
    log.warn(
      { stream: this.opts.streamId, url: redactUrl(this.opts.url), err: reason, retryInMs: delay },
      'source failed, restarting after backoff',
    );
    this.retryTimer = setTimeout(() => {
      this.reconnects++;
      this.connect();
    }, delay);
  }

  private checkStall(): void {
    if (this.paused || this.stopping) return;
    const state = this.state;
    if (state !== 'live' && state !== 'connecting') return;
    // While connecting ffmpeg's own connect timeout applies first; the watchdog is the backstop.
    const limit = state === 'connecting' && this.live ? Math.max(this.stallTimeoutMs, this.connectTimeoutMs + 1000) : this.stallTimeoutMs;
    const idle = Date.now() - this.lastFrameAt;
    if (idle > limit) this.onFailure(`stalled: no frame for ${idle} ms`, false);
  }

  private endRun(): void {
    this.run?.unsubscribe(); // kills ffmpeg
    this.run = undefined;
    this.child = undefined;
  }

  private finish(): void {
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.stopping = true;
    this.setState('stopped');
    this.frames.complete();
    this.states.complete();
  }

  private setState(s: StreamState): void {
    if (!this.states.closed && this.states.value !== s) this.states.next(s);
  }

  private setFlowing(on: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const s of [c.stdout, c.stdio[3]]) {
      if (s && 'pause' in s) {
        if (on) s.resume();
        else s.pause();
      }
    }
  }
}

/** Resolves when `child` has exited, or after `ms` with a warning (never rejects). */
function waitForExit(child: ChildProcess, ms: number, streamId: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ stream: streamId, pid: child.pid }, 'ffmpeg did not exit after stop');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
