/**
 * The state the runtime keeps per pipeline and per stream, and the outputs every per-frame stage
 * writes to. Shared by `runtime.ts` (lifecycle), `stream-flow.ts` (source → batcher) and
 * `frame-stages.ts` (batch → outputs).
 */
import type { SnapshotStore } from '../events/snapshot-store.js';
import type { Subject, Subscription } from 'rxjs';
import type { Logger } from '../util/logger.js';
import type { Metrics } from '../server/metrics.js';
import type { DropReason, FrameJpeg, FrameResult, ModelInfo, PipelineEvent, StreamState } from './runtime-api.js';
import type { PipelineConfig, ResolvedSource } from './config-schema.js';
import type { DetectorHandle, EventSinkHandle, SourceFrame, SourceHandle, TrackerHandle, ZoneHandle } from './runtime-ports.js';
import type { StreamStats } from './stream-stats.js';

/** A detector together with what is known about it; swapped atomically between batches. */
export interface ActiveModel {
  detector: DetectorHandle;
  info: ModelInfo;
  inFlight: number;
  /** Set when swapped out; the last batch to finish closes it. */
  retired: boolean;
  closed?: Promise<void>;
}

/** One running pipeline: its model, streams, batcher input and sinks. */
export interface PipelineCtx {
  cfg: PipelineConfig;
  model: ActiveModel;
  streams: Map<string, StreamCtx>;
  ingress: Subject<Work>;
  sub: Subscription;
  sinks: EventSinkHandle | null;
  /** Batches running now, so shutdown can drain them. */
  running: Set<Promise<void>>;
}

/** One running stream: its source, flow control, counters and per-stream stages. */
export interface StreamCtx {
  id: string;
  pipeline: PipelineCtx;
  src: ResolvedSource;
  handle: SourceHandle;
  ready$: Subject<void>;
  stats: StreamStats;
  state: StreamState;
  lastError?: string;
  width?: number;
  height?: number;
  tracker: TrackerHandle;
  zones: ZoneHandle | null;
  /** Added to the source's `seq`, so `seq` keeps increasing when the source is re-created. */
  seqOffset: number;
  lastSeq: number;
  /** Classes ever counted per zone, for the occupancy gauges. */
  zoneClasses: Map<string, Set<string>>;
  removed: boolean;
  subs: Subscription;
}

/** A frame on its way through the batcher and the detector. */
export interface Work {
  stream: StreamCtx;
  frame: SourceFrame;
}

/** ms → s for the histograms (negative clock steps count as 0). */
export const sec = (ms: number): number => Math.max(0, ms) / 1000;

/**
 * Streams that can deliver a frame now. Only `live` ones: a stream still connecting (up to the
 * connect timeout for an unreachable camera) must not make every batch wait for it.
 */
export function countProducing(p: PipelineCtx): number {
  let n = 0;
  for (const s of p.streams.values()) if (s.state === 'live') n++;
  return n;
}

/** Where the per-frame stages write: the runtime's subjects, the metrics and the log. */
export interface RuntimeOutputs {
  results: Subject<FrameResult>;
  jpegs: Subject<FrameJpeg>;
  events: Subject<PipelineEvent>;
  /** Renders and keeps event snapshots (a JPEG with the event's box drawn). */
  snapshots?: SnapshotStore;
  metrics?: Metrics;
  log?: Logger;
}

/** Counts a frame that will not be processed, with its reason. */
export function dropFrame(out: RuntimeOutputs, s: StreamCtx, reason: DropReason): void {
  s.stats.drop(reason);
  out.metrics?.framesDropped.inc({ stream: s.id, reason });
}

/** Drops a frame that was taken from the stream's flow and returns its credit. */
export function releaseFrame(out: RuntimeOutputs, w: Work, reason: DropReason): void {
  dropFrame(out, w.stream, reason);
  if (!w.stream.removed) w.stream.ready$.next();
}
