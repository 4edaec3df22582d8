/**
 * Entry of an inference worker thread: one ONNX Runtime session, the adapter bound to it, and a
 * loop that runs one batch per message. `session.run` in onnxruntime-node blocks the thread it
 * is called on, which is why it lives here and not on the main thread (DESIGN decision 1). The
 * main thread sends a worker one batch at a time, so batches never interleave here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SsdsError, errorMessage } from '../errors.js';
import { runBatch } from './batch-runner.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { epochNow, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('onnx-worker.ts must run in a worker thread');

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function codeOf(e: unknown) {
  return e instanceof SsdsError ? e.code : undefined;
}

async function main(init: WorkerInit): Promise<void> {
  let model: LoadedModel;
  try {
    model = await loadModel(init);
  } catch (e) {
    post({ type: 'fatal', code: codeOf(e), message: errorMessage(e) });
    port!.close();
    return;
  }
  const { bound } = model;
  post({
    type: 'ready',
    info: {
      adapter: bound.adapter,
      spec: bound.spec,
      io: model.io,
      fixedBatch: bound.fixedBatch,
      executionProvider: model.executionProvider,
      fallbackReason: model.fallbackReason,
    },
  });
  port!.on('message', async (msg: ToWorker) => {
    if (msg.type === 'close') {
      await model.session.release();
      port!.close();
      return;
    }
    const startedAt = epochNow();
    try {
      const out = await runBatch(model, msg.items);
      post(
        { type: 'result', id: msg.id, results: out.results, inferenceMs: out.inferenceMs, startedAt },
        out.results.map((r) => r.packed.buffer as ArrayBuffer),
      );
    } catch (e) {
      post({ type: 'error', id: msg.id, code: codeOf(e), message: errorMessage(e) });
    }
  });
}

void main(workerData as WorkerInit);
