/**
 * A pool of inference workers, each with its own ONNX Runtime session. Batches wait in one FIFO
 * and go to whichever worker is ready; a worker runs one batch at a time.
 *
 * Each worker is a small state machine (DESIGN style rule 8):
 *
 *   loading ──ready──▶ ready ──batch──▶ busy ──result──▶ ready
 *      │                 │                │
 *      └──fatal/exit──▶ failed ◀──exit────┘        failed ──backoff──▶ loading
 *
 * A worker that dies (native crash, uncaught error, terminated) fails the batch it held with
 * WORKER_FAILED and is started again after a backoff that doubles on consecutive failures. When
 * no worker is alive or coming back, queued batches fail too rather than wait forever. The
 * first start is different: if a worker cannot load the model, `start` rejects with the load
 * error (MODEL_INVALID, MODEL_LAYOUT ...), since retrying a bad model cannot help.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, SsdsError, type ErrorCode } from '../errors.js';
import type { BatchItem, PackedResult } from './batch-runner.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerReadyInfo } from './worker-protocol.js';

/** Lifecycle state of one worker. */
export type WorkerState = 'loading' | 'ready' | 'busy' | 'failed' | 'closed';

/** What a batch brings back from a worker. */
export interface WorkerOutcome {
  results: PackedResult[];
  inferenceMs: number;
  /** Epoch ms at which the worker began the batch. */
  startedAt: number;
}

/** Pool settings. */
export interface WorkerPoolOptions {
  init: WorkerInit;
  workers: number;
  /** First restart delay after a crash, ms; doubles per consecutive failure. */
  restartDelayMs?: number;
  /** Longest restart delay, ms. */
  maxRestartDelayMs?: number;
}

interface Job {
  id: number;
  items: BatchItem[];
  resolve: (o: WorkerOutcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  index: number;
  state: WorkerState;
  worker?: Worker;
  job?: Job;
  /** Consecutive failures, for the backoff. */
  failures: number;
  restarts: number;
  lastError?: string;
  timer?: NodeJS.Timeout;
}

/** A worker's state as shown to callers (health, metrics). */
export interface WorkerStatus {
  index: number;
  state: WorkerState;
  restarts: number;
  threadId?: number;
  lastError?: string;
}

const DEFAULTS = {
  restartDelayMs: 100, // ms
  maxRestartDelayMs: 5_000, // ms
};

/**
 * How to start the worker script. Tests run the TypeScript sources (vitest, tsx) while the
 * installed CLI runs `dist/*.js`: from a `.ts` module the worker is started through a tiny
 * bootstrap that registers tsx's loader first (a `--import tsx` in the worker's execArgv is not
 * applied to the worker's own entry module on Node 20).
 */
function spawn(init: WorkerInit): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./onnx-worker.js', here), { workerData: init });
  const entry = new URL('./onnx-worker.ts', here).href;
  const code = `import(${JSON.stringify(tsxEsmApiUrl(here))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: init });
}

/**
 * URL of tsx's ESM `register` API, resolved from this module (an eval'd worker resolves bare
 * names against the working directory, which need not be the project). Its CommonJS twin is no
 * use here: it imports a chunk that the package does not ship.
 */
function tsxEsmApiUrl(from: string): string {
  const pkgJson = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } | string }>;
  };
  const imp = pkg.exports['./esm/api']?.import;
  const rel = typeof imp === 'string' ? imp : imp?.default;
  if (!rel) throw new Error(`${pkgJson}: no "./esm/api" import export; cannot start a TypeScript worker`);
  return pathToFileURL(join(dirname(pkgJson), rel)).href;
}

function workerError(code: ErrorCode | undefined, message: string): SsdsError {
  return new SsdsError(code ?? ErrorCodes.WORKER_FAILED, message);
}

/** The pool. Create with {@link WorkerPool.start}. */
export class WorkerPool {
  /** What the first worker reported: adapter, spec, provider. */
  readonly info: WorkerReadyInfo;
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly opts: Required<WorkerPoolOptions>;
  private nextId = 1;
  private closing = false;

  private constructor(opts: Required<WorkerPoolOptions>, info: WorkerReadyInfo, slots: Slot[]) {
    this.opts = opts;
    this.info = info;
    this.slots = slots;
    for (const s of slots) this.attach(s);
  }

  /** Starts `workers` workers and resolves once all have loaded the model. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const opts = { ...DEFAULTS, ...options };
    const slots: Slot[] = Array.from({ length: opts.workers }, (_, index) => ({
      index,
      state: 'loading' as WorkerState,
      failures: 0,
      restarts: 0,
    }));
    const loads = slots.map((s) => {
      s.worker = spawn(opts.init);
      return WorkerPool.awaitReady(s.worker);
    });
    const settled = await Promise.allSettled(loads);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(slots.map((s) => s.worker?.terminate()));
      throw failed.reason;
    }
    const info = (settled[0] as PromiseFulfilledResult<WorkerReadyInfo>).value;
    for (const s of slots) s.state = 'ready';
    return new WorkerPool(opts, info, slots);
  }

  /** Resolves with the worker's ready info, rejects with its load error or exit. */
  private static awaitReady(w: Worker): Promise<WorkerReadyInfo> {
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      const onMessage = (m: FromWorker) => {
        if (m.type === 'ready') {
          cleanup();
          resolve(m.info);
        } else if (m.type === 'fatal') {
          lastError = workerError(m.code, m.message);
        }
      };
      const onError = (e: Error) => {
        lastError = e;
      };
      const onExit = (code: number) => {
        cleanup();
        reject(
          lastError instanceof SsdsError
            ? lastError
            : workerError(
                ErrorCodes.WORKER_FAILED,
                `inference worker exited (code ${code}) while loading${lastError ? `: ${lastError.message}` : ''}`,
              ),
        );
      };
      const cleanup = () => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
    });
  }

  /** Runs one batch (no larger than the model takes) on the next ready worker. */
  run(items: BatchItem[]): Promise<WorkerOutcome> {
    if (this.closing) return Promise.reject(new SsdsError(ErrorCodes.ABORTED, 'detector is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, items, resolve, reject });
      this.dispatch();
    });
  }

  /** State of every worker. */
  status(): WorkerStatus[] {
    return this.slots.map((s) => ({
      index: s.index,
      state: s.state,
      restarts: s.restarts,
      threadId: s.worker?.threadId,
      lastError: s.lastError,
    }));
  }

  /**
   * The `Worker` behind slot `index`, for diagnostics and tests that need to kill one (the
   * crash path is otherwise reachable only through native faults).
   */
  workerAt(index: number): Worker | undefined {
    return this.slots[index]?.worker;
  }

  /**
   * Stops accepting batches, fails queued ones with ABORTED, lets running ones finish, then
   * releases the sessions and ends the threads.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private closed: Promise<void> | undefined;

  private async shutdown(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) job.reject(new SsdsError(ErrorCodes.ABORTED, 'detector closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        clearTimeout(s.timer);
        if (s.job) await new Promise<void>((res) => this.onceIdle(s, res));
        s.state = 'closed';
        // Read after the wait: the worker may have died during its last batch.
        const w = s.worker;
        if (!w) return;
        const exited = new Promise<void>((res) => w.once('exit', () => res()));
        w.postMessage({ type: 'close' } satisfies ToWorker);
        // A worker stuck in native code would never answer; don't wait for it forever.
        const timer = setTimeout(() => void w.terminate(), 2_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private idleWaiters = new Map<Slot, (() => void)[]>();

  private onceIdle(s: Slot, cb: () => void): void {
    const list = this.idleWaiters.get(s) ?? [];
    list.push(cb);
    this.idleWaiters.set(s, list);
  }

  private becameIdle(s: Slot): void {
    const list = this.idleWaiters.get(s);
    if (!list) return;
    this.idleWaiters.delete(s);
    for (const cb of list) cb();
  }

  /** Wires a live worker's events to its slot. */
  private attach(s: Slot): void {
    const w = s.worker as Worker;
    w.on('message', (m: FromWorker) => this.onMessage(s, m));
    w.on('error', (e: Error) => {
      s.lastError = e.message;
    });
    w.on('exit', (code) => this.onExit(s, w, code));
  }

  private onMessage(s: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        // A restart that finishes loading after close() began stays closed.
        if (this.closing) return;
        s.state = 'ready';
        s.failures = 0;
        this.dispatch();
        return;
      case 'fatal':
        s.lastError = m.message;
        return; // the exit that follows does the bookkeeping
      case 'result':
      case 'error': {
        const job = s.job;
        if (!job || job.id !== m.id) return;
        s.job = undefined;
        s.state = 'ready';
        if (m.type === 'result') {
          job.resolve({ results: m.results, inferenceMs: m.inferenceMs, startedAt: m.startedAt });
        } else {
          job.reject(workerError(m.code, m.message));
        }
        this.becameIdle(s);
        this.dispatch();
      }
    }
  }

  private onExit(s: Slot, w: Worker, code: number): void {
    if (s.worker !== w) return;
    s.worker = undefined;
    const job = s.job;
    s.job = undefined;
    if (this.closing || s.state === 'closed') {
      s.state = 'closed';
      if (job) job.reject(new SsdsError(ErrorCodes.ABORTED, 'detector closed while the batch ran'));
      this.becameIdle(s);
      return;
    }
    const wasLoading = s.state === 'loading';
    s.state = 'failed';
    s.failures++;
    const why = `inference worker ${s.index} ${wasLoading ? 'failed to load the model' : 'stopped'} (exit code ${code})${
      s.lastError ? `: ${s.lastError}` : ''
    }`;
    if (job) job.reject(new SsdsError(ErrorCodes.WORKER_FAILED, `${why}; the batch of ${job.items.length} was lost`));
    this.becameIdle(s);
    const delay = Math.min(this.opts.maxRestartDelayMs, this.opts.restartDelayMs * 2 ** (s.failures - 1));
    s.timer = setTimeout(() => this.restart(s), delay);
    s.timer.unref();
    this.failQueueIfNoWorker(why);
  }

  private restart(s: Slot): void {
    if (this.closing) return;
    s.state = 'loading';
    s.restarts++;
    s.lastError = undefined;
    s.worker = spawn(this.opts.init);
    this.attach(s);
  }

  /** With every worker failed, queued batches would wait for a restart that may never work. */
  private failQueueIfNoWorker(why: string): void {
    if (this.slots.some((s) => s.state !== 'failed')) return;
    for (const job of this.queue.splice(0)) job.reject(new SsdsError(ErrorCodes.WORKER_FAILED, why));
  }

  private dispatch(): void {
    for (const s of this.slots) {
      if (this.queue.length === 0) return;
      if (s.state !== 'ready' || !s.worker) continue;
      const job = this.queue.shift() as Job;
      s.state = 'busy';
      s.job = job;
      s.worker.postMessage({ type: 'detect', id: job.id, items: job.items } satisfies ToWorker, transferList(job.items));
    }
  }
}

/**
 * The picture buffers to transfer. Only a view covering its whole ArrayBuffer is transferred: a
 * view into a larger buffer (a Buffer slice) would detach its neighbours, so those are copied
 * into their own buffer first (`items` is updated in place).
 */
function transferList(items: BatchItem[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const it of items) {
    const d = it.data;
    if (!(d.buffer instanceof ArrayBuffer) || d.byteOffset !== 0 || d.byteLength !== d.buffer.byteLength || out.includes(d.buffer)) {
      it.data = d.slice();
    }
    out.push(it.data.buffer as ArrayBuffer);
  }
  return out;
}
