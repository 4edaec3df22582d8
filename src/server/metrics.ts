/**
 * The Prometheus registry of one running server (prom-client). Names follow DESIGN.md:
 * `ssd_stream_` prefix, seconds for time, `_total` for counters, one latency histogram per
 * pipeline stage labelled by `stream` and `model`.
 *
 * Every call of {@link createMetrics} builds a fresh {@link Registry} (never the global one), so
 * tests and several servers in one process do not collide.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DropReason, StreamState } from '../pipeline/runtime-api.js';

/** The pipeline stages that have a latency histogram (DESIGN.md "Names that stay the same"). */
export const STAGES = ['decode', 'queue', 'inference', 'postprocess', 'track', 'send', 'end_to_end'] as const;

/** One pipeline stage name. */
export type Stage = (typeof STAGES)[number];

/** Every value a stream's state gauge can take, so all of them are exported (0 or 1). */
export const STREAM_STATES: readonly StreamState[] = ['connecting', 'live', 'backoff', 'stopped'];

/**
 * Latency buckets in seconds: dense between 1 ms and 250 ms where a real-time pipeline lives
 * (the 250 ms p99 target of the bench sits on a bucket edge), sparse up to 2 s for stalls.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1, 1.5, 2,
];

/** Batch size buckets: every size up to 8, then powers of two (batches are small by design). */
export const BATCH_SIZE_BUCKETS = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 64];

/** All metrics of one server. Pipelines and the server write to these directly. */
export interface Metrics {
  /** The registry `/metrics` serialises; includes prom-client's default process metrics. */
  registry: Registry;
  /** `ssd_stream_<stage>_seconds` per stage, labelled by stream and model. */
  stage: Record<Stage, Histogram<'stream' | 'model'>>;
  /** `ssd_stream_frames_in_total`: frames decoded per stream. */
  framesIn: Counter<'stream'>;
  /** `ssd_stream_frames_processed_total`: frames that went through the detector. */
  framesProcessed: Counter<'stream' | 'model'>;
  /** `ssd_stream_frames_dropped_total`: frames skipped, by reason ({@link DropReason}). */
  framesDropped: Counter<'stream' | 'reason'>;
  /** `ssd_stream_batch_size`: frames per inference batch. */
  batchSize: Histogram<'model'>;
  /** `ssd_stream_stream_state`: 1 for the current state of a stream, 0 for the others. */
  streamState: Gauge<'stream' | 'state'>;
  /** `ssd_stream_reconnects_total`: source restarts per stream. */
  reconnects: Counter<'stream'>;
  /** `ssd_stream_ws_clients`: connected WebSocket clients. */
  wsClients: Gauge;
  /** `ssd_stream_ws_dropped_messages_total`: messages not sent to slow clients, by reason. */
  wsDropped: Counter<'reason'>;
  /** `ssd_stream_event_loop_lag_seconds`: worst event-loop delay of each sampling window. */
  eventLoopLag: Histogram;
  /** `ssd_stream_zone_occupancy`: objects of a class inside a zone now. */
  zoneOccupancy: Gauge<'stream' | 'zone' | 'class'>;
  /** `ssd_stream_line_crossings_total`: line crossings by direction. */
  lineCrossings: Counter<'stream' | 'line' | 'direction'>;
  /** `ssd_stream_events_total`: pipeline events by type. */
  events: Counter<'stream' | 'type'>;
  /** Sets the state gauge of `stream`: 1 for `state`, 0 for every other state. */
  setStreamState(stream: string, state: StreamState): void;
  /** Drops every label set that carries `stream`, so removed streams stop being exported. */
  removeStream(stream: string): void;
  /** Stops the event-loop sampler and clears the registry. Idempotent. */
  close(): void;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Prefix of the project's own metrics (default `ssd_stream_`); process metrics keep theirs. */
  prefix?: string;
  /** How often the event-loop delay is sampled into its histogram, ms (default 500). */
  lagSampleMs?: number;
}

/** Resolution of the event-loop delay monitor, ms; Node records whole timer intervals. */
const LAG_RESOLUTION_MS = 10;

/** Builds a fresh registry with every project metric plus the default process metrics. */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const prefix = opts.prefix ?? 'ssd_stream_';
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const stage = Object.fromEntries(
    STAGES.map((s) => [
      s,
      new Histogram({
        name: `${prefix}${s}_seconds`,
        help: `Latency of the ${s.replace('_', '-')} stage per frame, seconds.`,
        labelNames: ['stream', 'model'] as const,
        buckets: LATENCY_BUCKETS_SECONDS,
        registers,
      }),
    ]),
  ) as Record<Stage, Histogram<'stream' | 'model'>>;

  const framesIn = new Counter({
    name: `${prefix}frames_in_total`,
    help: 'Frames decoded from a source.',
    labelNames: ['stream'] as const,
    registers,
  });
  const framesProcessed = new Counter({
    name: `${prefix}frames_processed_total`,
    help: 'Frames that went through the detector.',
    labelNames: ['stream', 'model'] as const,
    registers,
  });
  const framesDropped = new Counter({
    name: `${prefix}frames_dropped_total`,
    help: 'Frames skipped before detection, by reason (busy, queue_full, stream_removed, error).',
    labelNames: ['stream', 'reason'] as const,
    registers,
  });
  const batchSize = new Histogram({
    name: `${prefix}batch_size`,
    help: 'Frames per inference batch.',
    labelNames: ['model'] as const,
    buckets: BATCH_SIZE_BUCKETS,
    registers,
  });
  const streamState = new Gauge({
    name: `${prefix}stream_state`,
    help: 'State of a source: 1 for the current state, 0 for the others.',
    labelNames: ['stream', 'state'] as const,
    registers,
  });
  const reconnects = new Counter({
    name: `${prefix}reconnects_total`,
    help: 'Times a source was restarted after a failure or stall.',
    labelNames: ['stream'] as const,
    registers,
  });
  const wsClients = new Gauge({
    name: `${prefix}ws_clients`,
    help: 'Connected WebSocket clients.',
    registers,
  });
  const wsDropped = new Counter({
    name: `${prefix}ws_dropped_messages_total`,
    help: 'WebSocket messages not sent, by reason (slow_client: bufferedAmount over the limit).',
    labelNames: ['reason'] as const,
    registers,
  });
  const eventLoopLag = new Histogram({
    name: `${prefix}event_loop_lag_seconds`,
    help: 'Worst event-loop delay within each sampling window, seconds.',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });
  const zoneOccupancy = new Gauge({
    name: `${prefix}zone_occupancy`,
    help: 'Tracked objects of a class inside a zone.',
    labelNames: ['stream', 'zone', 'class'] as const,
    registers,
  });
  const lineCrossings = new Counter({
    name: `${prefix}line_crossings_total`,
    help: 'Tracked objects that crossed a line, by direction.',
    labelNames: ['stream', 'line', 'direction'] as const,
    registers,
  });
  const events = new Counter({
    name: `${prefix}events_total`,
    help: 'Pipeline events (track, zone, line), by type.',
    labelNames: ['stream', 'type'] as const,
    registers,
  });

  const lagMonitor = startLagSampler(eventLoopLag, opts.lagSampleMs ?? 500);

  /** Metrics that carry a `stream` label; `removeStream` walks these. */
  const perStream: LabelledMetric[] = [
    ...Object.values(stage),
    framesIn,
    framesProcessed,
    framesDropped,
    streamState,
    reconnects,
    zoneOccupancy,
    lineCrossings,
    events,
  ];

  let closed = false;
  return {
    registry,
    stage,
    framesIn,
    framesProcessed,
    framesDropped,
    batchSize,
    streamState,
    reconnects,
    wsClients,
    wsDropped,
    eventLoopLag,
    zoneOccupancy,
    lineCrossings,
    events,
    setStreamState(stream, state) {
      for (const s of STREAM_STATES) streamState.set({ stream, state: s }, s === state ? 1 : 0);
    },
    removeStream(stream) {
      for (const m of perStream) removeLabelSets(m, stream);
    },
    close() {
      if (closed) return;
      closed = true;
      lagMonitor.stop();
      registry.clear();
    },
  };
}

/** The part of a prom-client metric `removeStream` needs. */
interface LabelledMetric {
  remove(labels: Record<string, string | number>): void;
}

/**
 * Removes every label set of `metric` whose `stream` label is `stream`. prom-client 15 only
 * removes exact label sets and has no synchronous way to list them, so this reads the label
 * sets from its `hashMap` (an internal field; test/server/metrics.test.ts fails if it moves).
 */
function removeLabelSets(metric: LabelledMetric, stream: string): void {
  const hashMap = (metric as unknown as { hashMap?: Record<string, { labels?: Record<string, string | number> }> })
    .hashMap;
  if (!hashMap) return;
  const matches = Object.values(hashMap)
    .map((entry) => entry.labels)
    .filter((labels): labels is Record<string, string | number> => labels?.stream === stream);
  for (const labels of matches) metric.remove(labels);
}

/**
 * Samples `monitorEventLoopDelay` every `everyMs` and observes the worst delay of the window.
 * Node records whole timer intervals (a resolution of 10 ms reads 10 ms on an idle loop), so
 * the resolution is subtracted to leave the lag alone. The timer is unref'd: metrics never
 * keep a process alive.
 */
function startLagSampler(histogram: Histogram, everyMs: number): { stop(): void } {
  const monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  monitor.enable();
  const timer = setInterval(() => {
    if (monitor.count > 0) {
      const lagMs = Math.max(0, monitor.max / 1e6 - LAG_RESOLUTION_MS);
      histogram.observe(lagMs / 1000);
    }
    monitor.reset();
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      monitor.disable();
    },
  };
}

export type { DropReason, StreamState };
