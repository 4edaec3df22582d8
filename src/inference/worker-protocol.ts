/**
 * Messages between the main thread and an inference worker. Pictures travel to the worker by
 * transfer, detections come back packed (see batch-runner.ts) and transferred too; only small
 * objects are cloned. Times that cross threads are epoch ms (`performance.timeOrigin +
 * performance.now()`), since each thread's `performance.now()` starts at its own origin.
 */
import type { ErrorCode } from '../errors.js';
import type { ModelSpec, PostprocessSpec } from '../ssd/spec.js';
import type { AdapterName } from './adapters/index.js';
import type { BatchItem, PackedResult } from './batch-runner.js';
import type { ExecutionProviderChoice } from './execution-provider.js';
import type { ModelIo } from './model-io.js';

/** `workerData` of an inference worker. */
export interface WorkerInit {
  modelPath: string;
  executionProvider: ExecutionProviderChoice;
  intraOpThreads: number;
  postprocess?: Partial<PostprocessSpec>;
}

/** What a worker reports once its model is loaded. */
export interface WorkerReadyInfo {
  adapter: AdapterName;
  spec: ModelSpec;
  io: ModelIo;
  fixedBatch: number | undefined;
  executionProvider: 'cpu' | 'cuda';
  fallbackReason?: string;
}

/** Main → worker. */
export type ToWorker =
  | { type: 'detect'; id: number; items: BatchItem[] }
  | { type: 'close' };

/** Worker → main. */
export type FromWorker =
  | { type: 'ready'; info: WorkerReadyInfo }
  | {
      type: 'result';
      id: number;
      results: PackedResult[];
      inferenceMs: number;
      /** Epoch ms at which the worker began the batch. */
      startedAt: number;
    }
  /** The batch failed (e.g. a picture of the wrong size); the worker stays up. */
  | { type: 'error'; id: number; code?: ErrorCode; message: string }
  /** Loading failed; the worker exits after sending this. */
  | { type: 'fatal'; code?: ErrorCode; message: string };

/** Epoch ms with sub-ms precision, comparable across threads. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
