/**
 * JSON over node:http: reading a bounded request body, answering with JSON, and turning any
 * thrown value into the API's error shape `{error: {code, message}}` with a fitting status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, SsdsError, errorMessage, type ErrorCode } from '../errors.js';

/** Largest request body the API reads, bytes (a source or model request is a few hundred). */
export const MAX_BODY_BYTES = 64 * 1024;

/** HTTP status for each error code the API can answer with; anything else is a 500. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.API_BAD_REQUEST]: 400,
  [ErrorCodes.CONFIG_INVALID]: 400,
  [ErrorCodes.FILE_INVALID]: 400,
  [ErrorCodes.SPEC_INVALID]: 400,
  [ErrorCodes.MODEL_INVALID]: 400,
  [ErrorCodes.MODEL_LAYOUT]: 400,
  [ErrorCodes.SOURCE_FAILED]: 400,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.MODEL_NOT_FOUND]: 404,
  [ErrorCodes.FILE_NOT_FOUND]: 404,
};

/** An error with an explicit HTTP status (405, 413 ...), still carrying a registry code. */
export class HttpError extends SsdsError {
  readonly status: number;
  constructor(status: number, code: ErrorCode, message: string) {
    super(code, message);
    this.status = status;
    this.name = 'HttpError';
  }
}

/** Writes `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Maps a thrown value to `{status, code, message}`; unknown errors become 500 INTERNAL. */
export function toApiError(e: unknown): { status: number; code: ErrorCode; message: string } {
  if (e instanceof HttpError) return { status: e.status, code: e.code, message: e.message };
  if (e instanceof SsdsError) return { status: STATUS_BY_CODE[e.code] ?? 500, code: e.code, message: e.message };
  return { status: 500, code: ErrorCodes.INTERNAL, message: errorMessage(e) };
}

/** Answers with the API error shape for `e`. */
export function sendError(res: ServerResponse, e: unknown, headers: Record<string, string> = {}): void {
  const { status, code, message } = toApiError(e);
  sendJson(res, status, { error: { code, message } }, headers);
}

/**
 * Reads and parses a JSON body. Rejects with 400 on bad JSON and 413 past
 * {@link MAX_BODY_BYTES} (checked while reading, so a huge body is never buffered).
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, ErrorCodes.API_BAD_REQUEST, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, ErrorCodes.API_BAD_REQUEST, 'request body is empty (expected JSON)');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, ErrorCodes.API_BAD_REQUEST, `request body is not valid JSON: ${errorMessage(e)}`);
  }
}
