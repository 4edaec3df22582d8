/**
 * The one error registry. Every error the project raises on purpose is a {@link SsdsError}
 * with a stable `code` (tests assert codes), a message that names the thing at fault, and
 * `cause` kept when wrapping. Add new codes here; never throw bare `Error` for user input.
 */

/** Stable error codes, grouped by what is at fault. */
export const ErrorCodes = {
  /** A config key or CLI option has a wrong value. */
  CONFIG_INVALID: 'SSDS_ERR_CONFIG_INVALID',
  /** A file is missing or unreadable. */
  FILE_NOT_FOUND: 'SSDS_ERR_FILE_NOT_FOUND',
  /** A file exists but is not the kind expected (not an image, not a video ...). */
  FILE_INVALID: 'SSDS_ERR_FILE_INVALID',
  /** A model file cannot be parsed or loaded by ONNX Runtime. */
  MODEL_INVALID: 'SSDS_ERR_MODEL_INVALID',
  /** A model's inputs/outputs match no adapter, or its output has an unexpected shape. */
  MODEL_LAYOUT: 'SSDS_ERR_MODEL_LAYOUT',
  /** A model name is not in the catalogue or not ready locally. */
  MODEL_NOT_FOUND: 'SSDS_ERR_MODEL_NOT_FOUND',
  /** A model spec (metadata or sidecar) is missing fields or inconsistent. */
  SPEC_INVALID: 'SSDS_ERR_SPEC_INVALID',
  /** Downloading something failed (no network, bad checksum). */
  FETCH_FAILED: 'SSDS_ERR_FETCH_FAILED',
  /** ffmpeg could not be found or could not start. */
  FFMPEG_NOT_FOUND: 'SSDS_ERR_FFMPEG_NOT_FOUND',
  /** A stream source failed (unreachable URL, not a video, stalled). */
  SOURCE_FAILED: 'SSDS_ERR_SOURCE_FAILED',
  /** An inference worker crashed or was stopped. */
  WORKER_FAILED: 'SSDS_ERR_WORKER_FAILED',
  /** A dataset / annotation file has a problem. */
  DATASET_INVALID: 'SSDS_ERR_DATASET_INVALID',
  /** An API request was malformed or refers to something unknown. */
  API_BAD_REQUEST: 'SSDS_ERR_API_BAD_REQUEST',
  /** A stream, pipeline or model id is unknown. */
  NOT_FOUND: 'SSDS_ERR_NOT_FOUND',
  /** Something was cancelled because its owner is shutting down. */
  ABORTED: 'SSDS_ERR_ABORTED',
  /** An API or WebSocket request lacks the bearer token or carries a wrong one. */
  UNAUTHORIZED: 'SSDS_ERR_UNAUTHORIZED',
  /** A WebSocket upgrade came from an origin that is not allowed. */
  FORBIDDEN: 'SSDS_ERR_FORBIDDEN',
  /** An unexpected failure inside the server (a bug or a non-SsdsError thrown below it). */
  INTERNAL: 'SSDS_ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error the project raises on purpose. */
export class SsdsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'SsdsError';
  }
}

/** A config key or option is wrong; `path` is the dotted key (`pipelines[0].sources[2].url`). */
export class ConfigError extends SsdsError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.CONFIG_INVALID, path ? `${path}: ${message}` : message, options);
    this.path = path;
    this.name = 'ConfigError';
  }
}

/** True when `e` is an {@link SsdsError}, optionally with the given code. */
export function isSsdsError(e: unknown, code?: ErrorCode): e is SsdsError {
  return e instanceof SsdsError && (code === undefined || e.code === code);
}

/** Message of any thrown value, for logs. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
