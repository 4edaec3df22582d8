/**
 * The REST API under `/api`: streams (list, get, add, remove), models (list, swap) and event
 * snapshots (JPEG). Each
 * handler validates its input, calls the {@link RuntimeApi}, and answers JSON; errors are
 * thrown as {@link SsdsError} and shaped by the caller (http-server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, SsdsError } from '../errors.js';
import type { RuntimeApi, SourceRequest } from '../pipeline/runtime-api.js';
import { HttpError, readJsonBody, sendJson } from './http-json.js';

/** Stream ids end up in URLs, metric labels and file names: keep them plain. */
const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Handles one `/api/...` request; `path` is the URL path. Throws on errors. */
export async function handleApi(runtime: RuntimeApi, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = req.method ?? 'GET';
  const parts = path.split('/').filter(Boolean).map(decodePart); // ['api', 'streams', id?]
  const [, collection, id, extra] = parts;
  if (extra !== undefined) throw notFound(path);

  if (collection === 'streams' && id === undefined) {
    if (method === 'GET') return sendJson(res, 200, { streams: runtime.streams() });
    if (method === 'POST') {
      const { source, pipeline } = parseAddStream(await readJsonBody(req));
      if (source.id !== undefined && runtime.streams().some((s) => s.id === source.id)) {
        throw new SsdsError(ErrorCodes.API_BAD_REQUEST, `stream "${source.id}" already exists`);
      }
      if (pipeline !== undefined) requirePipeline(runtime, pipeline);
      const stream = await runtime.addStream(source, pipeline);
      return sendJson(res, 201, { stream });
    }
    throw methodNotAllowed(method, path, 'GET, POST');
  }
  if (collection === 'streams' && id !== undefined) {
    const stream = runtime.streams().find((s) => s.id === id);
    if (!stream) throw new SsdsError(ErrorCodes.NOT_FOUND, `stream "${id}" not found`);
    if (method === 'GET') return sendJson(res, 200, { stream });
    if (method === 'DELETE') {
      await runtime.removeStream(id);
      res.writeHead(204).end();
      return;
    }
    throw methodNotAllowed(method, path, 'GET, DELETE');
  }
  if (collection === 'models' && id === undefined) {
    if (method === 'GET') return sendJson(res, 200, { models: runtime.models() });
    if (method === 'POST' || method === 'PUT') {
      const { pipeline, model } = parseSwapModel(await readJsonBody(req));
      requirePipeline(runtime, pipeline);
      const info = await runtime.swapModel(pipeline, model);
      return sendJson(res, 200, { model: info });
    }
    throw methodNotAllowed(method, path, 'GET, POST, PUT');
  }
  if (collection === 'snapshots' && id !== undefined && method === 'GET') {
    // Event payloads link `/api/snapshots/<id>`; accept a `.jpg` suffix for browsers and tools.
    const jpeg = await runtime.snapshot?.(id.replace(/\.jpe?g$/i, ''));
    if (!jpeg) throw new SsdsError(ErrorCodes.NOT_FOUND, `snapshot "${id}" not found (unknown or evicted)`);
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.byteLength, 'cache-control': 'private, max-age=3600' });
    res.end(jpeg);
    return;
  }
  throw notFound(path);
}

function decodePart(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new SsdsError(ErrorCodes.API_BAD_REQUEST, `bad percent-encoding in path segment "${p}"`);
  }
}

function notFound(path: string): SsdsError {
  return new SsdsError(ErrorCodes.NOT_FOUND, `no API endpoint ${path}`);
}

function methodNotAllowed(method: string, path: string, allowed: string): HttpError {
  return new HttpError(405, ErrorCodes.API_BAD_REQUEST, `${method} is not allowed on ${path} (allowed: ${allowed})`);
}

/** The pipeline names the runtime knows, read from its models (one model per pipeline). */
function requirePipeline(runtime: RuntimeApi, pipeline: string): void {
  const names = runtime.models().map((m) => m.pipeline);
  if (!names.includes(pipeline)) {
    throw new SsdsError(ErrorCodes.NOT_FOUND, `pipeline "${pipeline}" not found (known: ${names.join(', ') || 'none'})`);
  }
}

function badRequest(message: string): SsdsError {
  return new SsdsError(ErrorCodes.API_BAD_REQUEST, message);
}

/** Validates `POST /api/streams`: a {@link SourceRequest} plus an optional `pipeline`. */
export function parseAddStream(body: unknown): { source: SourceRequest; pipeline?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('body must be a JSON object like {"url": "rtsp://...", "id": "cam1"}');
  }
  const { pipeline, ...source } = body as Record<string, unknown>;
  if (typeof source.url !== 'string' || source.url.trim() === '') throw badRequest('body.url: expected a non-empty string');
  if (source.id !== undefined && (typeof source.id !== 'string' || !STREAM_ID.test(source.id))) {
    throw badRequest(`body.id: expected 1-64 characters of letters, digits, "_", "." or "-" (got ${JSON.stringify(source.id)})`);
  }
  if (pipeline !== undefined && (typeof pipeline !== 'string' || pipeline === '')) {
    throw badRequest('body.pipeline: expected a pipeline name');
  }
  return { source: source as SourceRequest, ...(pipeline !== undefined ? { pipeline: pipeline as string } : {}) };
}

/** Validates `POST|PUT /api/models`: `{pipeline, model}`. */
export function parseSwapModel(body: unknown): { pipeline: string; model: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('body must be a JSON object like {"pipeline": "demo", "model": "face-ssd"}');
  }
  const { pipeline, model } = body as Record<string, unknown>;
  if (typeof pipeline !== 'string' || pipeline === '') throw badRequest('body.pipeline: expected a pipeline name');
  if (typeof model !== 'string' || model === '') throw badRequest('body.model: expected a catalogue name or a model path');
  return { pipeline, model };
}
