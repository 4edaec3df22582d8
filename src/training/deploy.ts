/**
 * `models deploy`: asks a running `serve` to hot-swap a pipeline's model through
 * `POST /api/models` `{pipeline, model}`. The server loads the new model beside the old one and
 * switches between batches, so streams keep running (see `src/pipeline/runtime.ts`). The model
 * path is sent absolute: the server resolves it on its own file system, which is this machine's
 * for a local server (a remote server needs the file at the same path).
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { ErrorCodes, SsdsError } from '../errors.js';
import type { ModelInfo } from '../pipeline/runtime-api.js';

/** Options of {@link deployModel}. */
export interface DeployOptions {
  /** Base URL of the server, e.g. `http://localhost:8080`. */
  server: string;
  pipeline: string;
  /** Path of the ONNX model (or a catalogue name the server knows). */
  model: string;
  /** Bearer token when the server's API needs one. */
  token?: string;
  /** Request timeout, ms (loading a model takes a few seconds). */
  timeoutMs?: number;
}

/** Sends the swap request; resolves with the model the server now runs. */
export async function deployModel(o: DeployOptions): Promise<ModelInfo> {
  const model = o.model.endsWith('.onnx') || existsSync(o.model) ? resolve(o.model) : o.model;
  if (model.endsWith('.onnx') && !existsSync(model)) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `model ${model} not found`);
  let url: URL;
  try {
    url = new URL('/api/models', o.server);
  } catch (e) {
    throw new SsdsError(ErrorCodes.CONFIG_INVALID, `--server ${o.server}: not a URL`, { cause: e });
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ pipeline: o.pipeline, model }), signal: AbortSignal.timeout(o.timeoutMs ?? 60_000) });
  } catch (e) {
    throw new SsdsError(ErrorCodes.FETCH_FAILED, `cannot reach ${url.href}: ${(e as Error).message}`, { cause: e });
  }
  const text = await res.text();
  let body: { model?: ModelInfo; error?: { message?: string; code?: string } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // A non-JSON answer is reported below with its status.
  }
  if (!res.ok || !body.model) {
    const why = body.error?.message ?? text.slice(0, 200);
    const code = res.status === 401 ? ErrorCodes.UNAUTHORIZED : res.status === 403 ? ErrorCodes.FORBIDDEN : res.status === 404 ? ErrorCodes.NOT_FOUND : ErrorCodes.FETCH_FAILED;
    throw new SsdsError(code, `${url.href} answered ${res.status}: ${why}`);
  }
  return body.model;
}
