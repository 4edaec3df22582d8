/**
 * The main-thread face of inference: `Detector.create({ model })` loads the model in a pool of
 * worker threads, `detect(batch)` sends rgb24 pictures there (by transfer) and gets detections
 * back, boxes normalised to each source frame. Inference, decoding and NMS all run in the
 * workers, so the main thread only splits batches and builds the small result objects.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, ErrorCodes, SsdsError } from '../errors.js';
import type { ModelSpec, PostprocessSpec } from '../ssd/spec.js';
import { postprocessSpecSchema } from '../ssd/spec.js';
import type { Detection } from '../types.js';
import { logger } from '../util/logger.js';
import type { AdapterName } from './adapters/index.js';
import { PACKED_STRIDE, type BatchItem } from './batch-runner.js';
import { WorkerPool, type WorkerStatus } from './worker-pool.js';
import { epochNow } from './worker-protocol.js';

/** How to build a detector. */
export interface DetectorOptions {
  /** Path to an .onnx file (a sidecar `<model>.ssd.json` beside it is read if present). */
  model: string;
  /** `auto` tries CUDA, else the CPU with one log line saying so. Default `auto`. */
  executionProvider?: 'auto' | 'cpu' | 'cuda';
  /** Worker threads, each with its own session. Default 1. */
  workers?: number;
  /** Intra-op threads per session. Default: cores / workers (at least 1). */
  intraOpThreads?: number;
  /** Largest batch one worker runs at once. Default 8; models with a fixed batch use theirs. */
  maxBatch?: number;
  /** Overrides of the spec's post-processing (scoreThreshold, iouThreshold ...). */
  postprocess?: Partial<PostprocessSpec>;
}

/** One picture to detect in. */
export interface DetectRequest {
  /**
   * rgb24 HWC at spec.input width × height, placed per spec.input.resize/padAlign. Its buffer
   * is transferred to the worker: the array is empty (detached) once `detect` is called.
   */
  data: Uint8Array;
  /** Size of the source frame the picture was scaled from, so boxes can be mapped back. */
  sourceWidth: number;
  sourceHeight: number;
}

/** Where the time of one picture went, ms. */
export interface DetectTimings {
  /** From `detect()` until a worker began its batch (waiting + message passing). */
  queueMs: number;
  /** `session.run` of the batch the picture was in (feeding included). */
  inferenceMs: number;
  /** Decoding, activation, NMS and mapping of this picture. */
  postprocessMs: number;
}

/** Detections of one picture. */
export interface DetectResult {
  /** Boxes normalised to the source frame, score-descending. */
  detections: Detection[];
  timings: DetectTimings;
}

const DEFAULT_MAX_BATCH = 8;

const optionsSchema = z
  .object({
    model: z.string().min(1),
    executionProvider: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
    workers: z.number().int().min(1).max(64).default(1),
    intraOpThreads: z.number().int().min(1).max(256).optional(),
    maxBatch: z.number().int().min(1).max(1024).optional(),
    postprocess: postprocessSpecSchema.partial().strict().optional(),
  })
  .strict();

function validate(opts: DetectorOptions) {
  const r = optionsSchema.safeParse(opts);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(i.path.join('.'), i.message);
  }
  return r.data;
}

/** A loaded model behind a worker pool. */
export class Detector {
  /** The model's resolved spec (input, labels, post-processing after overrides). */
  readonly spec: ModelSpec;
  /** Which adapter family the model was recognised as. */
  readonly adapter: AdapterName;
  /** Absolute path of the model file. */
  readonly modelPath: string;
  /** The provider the sessions run on. */
  readonly executionProvider: 'cpu' | 'cuda';
  /** Largest batch sent to a worker in one message. */
  readonly maxBatch: number;
  private readonly pool: WorkerPool;
  private readonly frameBytes: number;

  private constructor(pool: WorkerPool, modelPath: string, maxBatch: number) {
    this.pool = pool;
    this.spec = Object.freeze(pool.info.spec);
    this.adapter = pool.info.adapter;
    this.executionProvider = pool.info.executionProvider;
    this.modelPath = modelPath;
    this.maxBatch = maxBatch;
    this.frameBytes = this.spec.input.width * this.spec.input.height * 3;
  }

  /**
   * Loads the model in `workers` worker threads. Rejects with FILE_NOT_FOUND, MODEL_INVALID,
   * MODEL_LAYOUT, SPEC_INVALID or CONFIG_INVALID (bad option, `cuda` unavailable).
   */
  static async create(opts: DetectorOptions): Promise<Detector> {
    const o = validate(opts);
    const modelPath = resolve(o.model);
    if (!existsSync(modelPath)) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `${o.model}: no such model file`);
    const intraOpThreads = o.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / o.workers));
    const pool = await WorkerPool.start({
      workers: o.workers,
      // The caller's object, not the parsed one: parsing a partial schema fills in defaults,
      // which would override the model's own spec.
      init: { modelPath, executionProvider: o.executionProvider, intraOpThreads, postprocess: opts.postprocess },
    });
    const { info } = pool;
    if (info.fallbackReason) {
      logger.info({ model: modelPath }, `inference on CPU: CUDA not available (${info.fallbackReason})`);
    }
    // A fixed-batch graph takes exactly its batch (spare slots are zero-padded), never more.
    const maxBatch = Math.min(info.fixedBatch ?? Infinity, o.maxBatch ?? info.fixedBatch ?? DEFAULT_MAX_BATCH);
    logger.debug(
      { model: modelPath, adapter: info.adapter, workers: o.workers, intraOpThreads, maxBatch },
      'detector ready',
    );
    return new Detector(pool, modelPath, maxBatch);
  }

  /**
   * Detections for each picture, in order. Batches larger than `maxBatch` are split and run on
   * the workers in parallel. Rejects with API_BAD_REQUEST for a picture of the wrong size,
   * WORKER_FAILED if a worker dies while running it, ABORTED after `close`.
   */
  async detect(batch: DetectRequest[]): Promise<DetectResult[]> {
    const requestedAt = epochNow();
    batch.forEach((r, i) => this.check(r, i));
    const chunks: BatchItem[][] = [];
    for (let i = 0; i < batch.length; i += this.maxBatch) {
      chunks.push(
        batch.slice(i, i + this.maxBatch).map((r) => ({
          data: r.data,
          sourceWidth: r.sourceWidth,
          sourceHeight: r.sourceHeight,
        })),
      );
    }
    const outcomes = await Promise.all(chunks.map((c) => this.pool.run(c)));
    const out: DetectResult[] = [];
    for (const o of outcomes) {
      const queueMs = Math.max(0, o.startedAt - requestedAt);
      for (const r of o.results) {
        out.push({
          detections: this.unpack(r.packed),
          timings: { queueMs, inferenceMs: o.inferenceMs, postprocessMs: r.postprocessMs },
        });
      }
    }
    return out;
  }

  /** State of each worker (loading, ready, busy, failed), for health and metrics. */
  workers(): WorkerStatus[] {
    return this.pool.status();
  }

  /** The pool itself, for tests and diagnostics. */
  get workerPool(): WorkerPool {
    return this.pool;
  }

  /** Lets running batches finish, fails queued ones with ABORTED, ends the workers. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private check(r: DetectRequest, i: number): void {
    if (!(r.data instanceof Uint8Array) || r.data.length !== this.frameBytes) {
      const { width, height } = this.spec.input;
      throw new SsdsError(
        ErrorCodes.API_BAD_REQUEST,
        `detect: picture ${i} has ${r.data?.length ?? 'no'} bytes; model ${this.spec.name} takes ${width}x${height} rgb24 = ${this.frameBytes}`,
      );
    }
    if (!(r.sourceWidth > 0 && r.sourceHeight > 0)) {
      throw new SsdsError(
        ErrorCodes.API_BAD_REQUEST,
        `detect: picture ${i} has source size ${r.sourceWidth}x${r.sourceHeight}; both must be positive`,
      );
    }
  }

  private unpack(p: Float32Array): Detection[] {
    const labels = this.spec.labels;
    const dets: Detection[] = [];
    for (let o = 0; o < p.length; o += PACKED_STRIDE) {
      const classId = p[o + 5];
      dets.push({
        box: [p[o], p[o + 1], p[o + 2], p[o + 3]],
        score: p[o + 4],
        classId,
        label: labels[classId] ?? `class${classId}`,
      });
    }
    return dets;
  }
}
