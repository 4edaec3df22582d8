/**
 * Opening an ONNX Runtime session on the execution provider asked for. `auto` tries CUDA and
 * falls back to the CPU, returning why so the caller can say so in one log line (DESIGN
 * decision 8). CUDA is tried only when onnxruntime-node ships its CUDA provider library
 * (`ONNXRUNTIME_NODE_INSTALL=cuda12` at install): attempting it otherwise makes ONNX Runtime
 * print a multi-line native error to stderr that no session option silences.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { ConfigError, ErrorCodes, SsdsError, errorMessage } from '../errors.js';

/** What the caller asks for. */
export type ExecutionProviderChoice = 'auto' | 'cpu' | 'cuda';

/** A session and the provider it really runs on. */
export interface OpenedSession {
  session: InferenceSession;
  executionProvider: 'cpu' | 'cuda';
  /** Set when `auto` fell back to the CPU: why CUDA was not used. */
  fallbackReason?: string;
}

/** Session settings shared by every provider. */
export interface SessionSettings {
  /** Threads of one operator (per session). */
  intraOpThreads: number;
}

let cudaLibraryCache: boolean | undefined;

/** True when onnxruntime-node has its CUDA provider library installed. */
export function cudaProviderInstalled(): boolean {
  if (cudaLibraryCache !== undefined) return cudaLibraryCache;
  cudaLibraryCache = false;
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const stack = [join(pkgDir, 'bin')];
    while (stack.length && !cudaLibraryCache) {
      const dir = stack.pop() as string;
      if (!existsSync(dir)) continue;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) stack.push(join(dir, e.name));
        else if (e.name.startsWith('libonnxruntime_providers_cuda')) cudaLibraryCache = true;
      }
    }
  } catch {
    cudaLibraryCache = false;
  }
  return cudaLibraryCache;
}

function options(provider: 'cpu' | 'cuda', s: SessionSettings): InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: s.intraOpThreads,
    // One graph at a time per session; parallelism comes from intra-op threads and workers.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}

async function create(modelPath: string, provider: 'cpu' | 'cuda', s: SessionSettings): Promise<InferenceSession> {
  return ort.InferenceSession.create(modelPath, options(provider, s));
}

/** MODEL_INVALID naming the file, wrapping ONNX Runtime's reason. */
function invalidModel(modelPath: string, e: unknown): SsdsError {
  // ORT appends native log text after the message; the first line says what went wrong.
  const reason = errorMessage(e).split('\n')[0].replace(/\u001b\[[0-9;]*m.*$/, '');
  return new SsdsError(ErrorCodes.MODEL_INVALID, `${modelPath}: ONNX Runtime cannot load this model (${reason})`, {
    cause: e,
  });
}

/**
 * Opens `modelPath` on the chosen provider. Throws MODEL_INVALID when ONNX Runtime rejects the
 * file, CONFIG_INVALID (key `executionProvider`) when `cuda` is demanded but unavailable.
 */
export async function openSession(
  modelPath: string,
  choice: ExecutionProviderChoice,
  settings: SessionSettings,
): Promise<OpenedSession> {
  if (choice === 'cpu') {
    try {
      return { session: await create(modelPath, 'cpu', settings), executionProvider: 'cpu' };
    } catch (e) {
      throw invalidModel(modelPath, e);
    }
  }
  let cudaError: string;
  if (cudaProviderInstalled()) {
    try {
      return { session: await create(modelPath, 'cuda', settings), executionProvider: 'cuda' };
    } catch (e) {
      cudaError = errorMessage(e).split('\n')[0];
    }
  } else {
    cudaError = 'onnxruntime-node has no CUDA provider library (install with ONNXRUNTIME_NODE_INSTALL=cuda12)';
  }
  let cpu: InferenceSession;
  try {
    cpu = await create(modelPath, 'cpu', settings);
  } catch (e) {
    throw invalidModel(modelPath, e);
  }
  if (choice === 'cuda') {
    await cpu.release();
    throw new ConfigError('executionProvider', `"cuda" requested but unavailable: ${cudaError}`);
  }
  return { session: cpu, executionProvider: 'cpu', fallbackReason: cudaError };
}
