/**
 * What the running pipelines offer the server (REST API, WebSocket hub, viewer). The server
 * depends on this interface only; `src/pipeline/runtime.ts` implements it.
 */
import type { Observable } from 'rxjs';
import type { Detection } from '../types.js';

/** Lifecycle of one source (DESIGN: connecting → live → backoff → stopped). */
export type StreamState = 'connecting' | 'live' | 'backoff' | 'stopped';

/** Why a frame was not processed. */
export type DropReason = 'busy' | 'queue_full' | 'stream_removed' | 'error';

/** One stream as `/api/streams` and the viewer show it. */
export interface StreamInfo {
  id: string;
  pipeline: string;
  url: string;
  state: StreamState;
  /** Processed frames per second over the last few seconds. */
  fps: number;
  /** Source picture size once known. */
  width?: number;
  height?: number;
  framesIn: number;
  processed: number;
  dropped: Partial<Record<DropReason, number>>;
  reconnects: number;
  /** Last error of the source, e.g. why it is in backoff. */
  lastError?: string;
  /** Median end-to-end latency over the last few seconds, ms. */
  latencyMs?: number;
}

/** The model a pipeline runs now. */
export interface ModelInfo {
  pipeline: string;
  /** Catalogue name or file path the model was loaded from. */
  name: string;
  path: string;
  labels: string[];
  inputWidth: number;
  inputHeight: number;
}

/** Detections for one frame of one stream, as sent to clients. */
export interface FrameResult {
  stream: string;
  seq: number;
  capturedAt: number;
  model: string;
  detections: Detection[];
  /** Source size, so clients can draw without guessing. */
  width: number;
  height: number;
}

/** A display-size JPEG of one frame, paired with its result by `seq`. */
export interface FrameJpeg {
  stream: string;
  seq: number;
  jpeg: Uint8Array;
}

/** An event from tracking, zones or lines (`track.new`, `zone.enter`, `line.cross` ...). */
export interface PipelineEvent {
  type: string;
  stream: string;
  at: number;
  [key: string]: unknown;
}

/** A source as given to `addStream` (same shape as a `sources[]` entry of a pipeline YAML). */
export interface SourceRequest {
  id?: string;
  url: string;
  [key: string]: unknown;
}

/** The running pipelines, as the server sees them. */
export interface RuntimeApi {
  streams(): StreamInfo[];
  /** Adds a source to a pipeline (the first one when omitted); resolves once it is started. */
  addStream(source: SourceRequest, pipeline?: string): Promise<StreamInfo>;
  /** Stops and removes a source; frames of it still in flight are dropped (`stream_removed`). */
  removeStream(id: string): Promise<void>;
  models(): ModelInfo[];
  /** Loads `model` (catalogue name or path) and swaps it into `pipeline` without dropping streams. */
  swapModel(pipeline: string, model: string): Promise<ModelInfo>;
  /**
   * The JPEG snapshot an event links to (`event.snapshot` = `/api/snapshots/<id>`), or undefined
   * when unknown or evicted. Snapshots are taken for `track.new` and `zone.enter` events of
   * streams that produce display JPEGs.
   */
  snapshot?(id: string): Promise<Uint8Array | undefined>;
  readonly results$: Observable<FrameResult>;
  readonly jpegs$: Observable<FrameJpeg>;
  readonly events$: Observable<PipelineEvent>;
}
