/**
 * What the runtime needs from the other stages (video, inference, tracking, events, models), as
 * small structural interfaces. `runtime-deps.ts` binds them to the real modules; tests and the
 * bench may bind an in-memory source instead of ffmpeg. Keeping the runtime on these ports means
 * it holds no detection math and knows no ffmpeg arguments.
 */
import type { Observable } from 'rxjs';
import type { Detection, Frame } from '../types.js';
import type { StreamState } from './runtime-api.js';
import type { ResolvedSource } from './config-schema.js';
import type { PipelineConfig } from './config-schema.js';

/** A decoded frame, optionally with its display-size JPEG (paired by index in `src/video`). */
export type SourceFrame = Frame & { jpeg?: Uint8Array; decodeMs?: number };

/** A state change of a source. */
export interface SourceStateChange {
  state: StreamState;
  error?: string;
  /** Restarts so far. */
  reconnects?: number;
}

/** A running, self-restarting source. */
export interface SourceHandle {
  frames$: Observable<SourceFrame>;
  state$: Observable<SourceStateChange>;
  /** Backpressure for offline sources; optional because live sources never pause. */
  pause?(): void;
  resume?(): void;
  stop(): Promise<void>;
}

/** Model input geometry the source must produce. */
export interface InputGeometry {
  width: number;
  height: number;
  resize: 'stretch' | 'pad';
  padAlign: 'top-left' | 'center';
}

/** One frame to detect on. */
export interface DetectRequest {
  data: Uint8Array;
  sourceWidth: number;
  sourceHeight: number;
}

/** Detections of one frame and where its time went (ms). */
export interface DetectResult {
  detections: Detection[];
  timings: { queueMs: number; inferenceMs: number; postprocessMs: number };
}

/** A loaded model behind a worker pool. */
export interface DetectorHandle {
  readonly input: InputGeometry;
  readonly labels: string[];
  detect(reqs: DetectRequest[]): Promise<DetectResult[]>;
  close(): Promise<void>;
}

/** An event raised by tracking or zones; its other fields travel to clients unchanged. */
export interface StageEvent {
  type: string;
  at?: number;
}

/** Per-stream tracker. */
export interface TrackerHandle {
  update(dets: Detection[], tMs: number): { detections: Detection[]; events: StageEvent[] };
}

/** Per-stream zones and lines. */
export interface ZoneHandle {
  /** `trackEvents` lets a `track.end` leave its zones at once. */
  update(dets: Detection[], tMs: number, trackEvents: readonly StageEvent[]): StageEvent[];
  /** Objects per class inside each zone now. */
  occupancy(): Record<string, { byClass: Record<string, number> }>;
}

/** Where events go besides `events$`. */
export interface EventSinkHandle {
  publish(event: { type: string; stream: string; at: number; [k: string]: unknown }): void;
  close(): Promise<void>;
}

/** Everything the runtime builds pipelines from. */
export interface RuntimeDeps {
  openSource(src: ResolvedSource, input: InputGeometry): SourceHandle;
  /** Resolves a model reference ('default', catalogue name, path) to a file. */
  resolveModel(ref: string): Promise<string>;
  createDetector(path: string, pipeline: PipelineConfig): Promise<DetectorHandle>;
  createTracker(pipeline: PipelineConfig, streamId: string): TrackerHandle;
  createZoneMonitor?(pipeline: PipelineConfig, streamId: string): ZoneHandle | null;
  /** `path` is the pipeline's config path, for errors (`pipelines[0]`). */
  createEventSinks?(pipeline: PipelineConfig, path: string): EventSinkHandle | null;
}
