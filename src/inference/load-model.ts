/**
 * Loading one model for inference: read the spec it carries (metadata, sidecar), open an ONNX
 * Runtime session, pick the adapter from the inputs and outputs, and bind it. Runs inside each
 * worker; the benchmark also calls it on the main thread to time bare `session.run`.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { PostprocessSpec } from '../ssd/spec.js';
import { selectAdapter, type BoundModel } from './adapters/index.js';
import { openSession, type ExecutionProviderChoice } from './execution-provider.js';
import { ioFromSession, type ModelIo } from './model-io.js';
import { readSpecSources } from './model-spec.js';

/** How to load. */
export interface LoadModelOptions {
  modelPath: string;
  executionProvider: ExecutionProviderChoice;
  intraOpThreads: number;
  postprocess?: Partial<PostprocessSpec>;
}

/** A session with its adapter bound. */
export interface LoadedModel {
  session: InferenceSession;
  io: ModelIo;
  bound: BoundModel;
  executionProvider: 'cpu' | 'cuda';
  fallbackReason?: string;
}

/**
 * Loads and binds a model. Errors: FILE_NOT_FOUND, MODEL_INVALID (not ONNX / rejected by ONNX
 * Runtime), MODEL_LAYOUT (no adapter), SPEC_INVALID (spec missing or inconsistent),
 * CONFIG_INVALID (`cuda` unavailable).
 */
export async function loadModel(opts: LoadModelOptions): Promise<LoadedModel> {
  // The spec read goes first: a missing or non-protobuf file gets a clearer error than ORT's.
  const sources = readSpecSources(opts.modelPath);
  const opened = await openSession(opts.modelPath, opts.executionProvider, { intraOpThreads: opts.intraOpThreads });
  try {
    const io = ioFromSession(opened.session);
    const adapter = selectAdapter(io, opts.modelPath);
    const bound = adapter.bind({ io, sources, postprocess: opts.postprocess });
    return { ...opened, io, bound };
  } catch (e) {
    await opened.session.release();
    throw e;
  }
}
