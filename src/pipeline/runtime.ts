/**
 * The running pipelines: per source a supervised ffmpeg source → latest-frame (live) or bounded
 * queue (offline) → one cross-stream batcher per pipeline → the detector's worker pool → per-stream
 * tracker → zones → `results$` / `jpegs$` / `events$` and event sinks. Implements
 * {@link RuntimeApi} for the server.
 *
 * Flow control is credit based: each stream may have `credits` frames between its flow operator
 * and the end of the pipeline; a finished (or dropped) frame returns its credit through the
 * stream's `ready$`. So the number of frames and batches held anywhere is bounded by the number
 * of streams, and a live stream's next frame is always the newest one.
 */
import { Subject, Subscription, from, mergeMap, tap, type Observable } from 'rxjs';
import { ErrorCodes, SsdsError, errorMessage } from '../errors.js';
import type { Logger } from '../util/logger.js';
import type { Metrics } from '../server/metrics.js';
import type {
  DropReason,
  FrameJpeg,
  FrameResult,
  ModelInfo,
  PipelineEvent,
  RuntimeApi,
  SourceRequest,
  StreamInfo,
  StreamState,
} from './runtime-api.js';
import type { AppConfig, PipelineConfig, ResolvedPipelineConfig, ResolvedSource } from './config-schema.js';
import { parseSourceRequest } from './config-loader.js';
import type { DetectResult, StageEvent, DetectorHandle, EventSinkHandle, RuntimeDeps, SourceFrame, SourceHandle, TrackerHandle, ZoneHandle } from './runtime-ports.js';
import { latestFrame } from './operators/latest-frame.js';
import { boundedQueue } from './operators/bounded-queue.js';
import { crossStreamBatcher } from './operators/cross-stream-batcher.js';
import { StreamStats } from './stream-stats.js';
import { redactUrl } from '../video/source-url.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  deps: RuntimeDeps;
  metrics?: Metrics;
  logger?: Logger;
  /** Base for relative file paths of streams added at run time. */
  cwd?: string;
}

/** A detector together with what is known about it; swapped atomically between batches. */
interface ActiveModel {
  detector: DetectorHandle;
  info: ModelInfo;
  inFlight: number;
  /** Set when swapped out; the last batch to finish closes it. */
  retired: boolean;
  closed?: Promise<void>;
}

interface PipelineCtx {
  cfg: PipelineConfig;
  model: ActiveModel;
  streams: Map<string, StreamCtx>;
  ingress: Subject<Work>;
  sub: Subscription;
  sinks: EventSinkHandle | null;
  /** Batches running now, so shutdown can drain them. */
  running: Set<Promise<void>>;
}

interface StreamCtx {
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

interface Work {
  stream: StreamCtx;
  frame: SourceFrame;
}

const sec = (ms: number) => Math.max(0, ms) / 1000;

/**
 * Streams that can deliver a frame now. Only `live` ones: a stream still connecting (up to the
 * connect timeout for an unreachable camera) must not make every batch wait for it.
 */
function countProducing(p: PipelineCtx): number {
  let n = 0;
  for (const s of p.streams.values()) if (s.state === 'live') n++;
  return n;
}

/** Builds and starts every pipeline of `config`; resolves once all models are loaded. */
export async function createRuntime(config: AppConfig, opts: RuntimeOptions): Promise<PipelineRuntime> {
  const rt = new PipelineRuntime(opts);
  try {
    for (const p of config.pipelines) await rt.startPipeline(p);
  } catch (e) {
    await rt.stop();
    throw e;
  }
  return rt;
}

/** The running pipelines of one server. */
export class PipelineRuntime implements RuntimeApi {
  readonly results$: Observable<FrameResult>;
  readonly jpegs$: Observable<FrameJpeg>;
  readonly events$: Observable<PipelineEvent>;
  private readonly results = new Subject<FrameResult>();
  private readonly jpegs = new Subject<FrameJpeg>();
  private readonly events = new Subject<PipelineEvent>();
  private readonly pipelines = new Map<string, PipelineCtx>();
  private readonly deps: RuntimeDeps;
  private readonly metrics?: Metrics;
  private readonly log?: Logger;
  private readonly cwd: string;
  private nextId = 1;
  private stopping: Promise<void> | null = null;

  constructor(opts: RuntimeOptions) {
    this.deps = opts.deps;
    this.metrics = opts.metrics;
    this.log = opts.logger?.child({ module: 'runtime' });
    this.cwd = opts.cwd ?? process.cwd();
    this.results$ = this.results.asObservable();
    this.jpegs$ = this.jpegs.asObservable();
    this.events$ = this.events.asObservable();
  }

  /** Loads the model of `cfg`, starts its batcher and its sources. */
  async startPipeline(cfg: ResolvedPipelineConfig): Promise<void> {
    if (this.pipelines.has(cfg.name)) throw new SsdsError(ErrorCodes.API_BAD_REQUEST, `pipeline "${cfg.name}" already exists`);
    const model = await this.loadModel(cfg, cfg.model);
    const p: PipelineCtx = {
      cfg,
      model,
      streams: new Map(),
      ingress: new Subject<Work>(),
      sub: new Subscription(),
      sinks: this.deps.createEventSinks?.(cfg, `pipelines[${this.pipelines.size}]`) ?? null,
      running: new Set(),
    };
    const maxInFlight = cfg.maxInFlight || cfg.workers + 1;
    p.sub.add(
      p.ingress
        .pipe(
          crossStreamBatcher<Work>({
            maxBatch: cfg.maxBatch,
            maxWaitMs: cfg.maxWaitMs,
            key: (w) => w.stream.id,
            activeKeys: () => countProducing(p),
          }),
          // The queue inside mergeMap is bounded by the stream count (one credit per stream).
          mergeMap((batch) => from(this.track(p, this.runBatch(p, batch))), maxInFlight),
        )
        .subscribe(),
    );
    this.pipelines.set(cfg.name, p);
    this.log?.info({ pipeline: cfg.name, model: model.info.name, sources: cfg.sources.length }, 'pipeline started');
    for (const s of cfg.sources) this.startStream(p, s);
  }

  streams(): StreamInfo[] {
    const now = Date.now();
    const out: StreamInfo[] = [];
    for (const p of this.pipelines.values()) for (const s of p.streams.values()) out.push(this.info(s, now));
    return out;
  }

  models(): ModelInfo[] {
    return [...this.pipelines.values()].map((p) => p.model.info);
  }

  async addStream(source: SourceRequest, pipeline?: string): Promise<StreamInfo> {
    const p = this.pipelineOf(pipeline);
    let fallback = `cam${this.nextId++}`;
    while (this.findStream(fallback)) fallback = `cam${this.nextId++}`;
    const src = parseSourceRequest(source, fallback, this.cwd);
    if (this.findStream(src.id)) throw new SsdsError(ErrorCodes.API_BAD_REQUEST, `source.id: stream "${src.id}" already exists`);
    const s = this.startStream(p, src);
    return this.info(s, Date.now());
  }

  async removeStream(id: string): Promise<void> {
    const s = this.findStream(id);
    if (!s) throw new SsdsError(ErrorCodes.NOT_FOUND, `stream "${id}" not found`);
    // Mark first: a batch in flight checks this flag when it returns and drops the frame.
    s.removed = true;
    s.pipeline.streams.delete(id);
    s.subs.unsubscribe();
    s.ready$.complete();
    await s.handle.stop();
    this.metrics?.removeStream(id);
    this.log?.info({ stream: id }, 'stream removed');
  }

  async swapModel(pipeline: string, model: string): Promise<ModelInfo> {
    const p = this.pipelineOf(pipeline);
    const next = await this.loadModel(p.cfg, model);
    const old = p.model;
    // The swap itself is one assignment on the main thread: a batch takes `p.model` once when it
    // starts, so every batch runs wholly on the old or wholly on the new model.
    p.model = next;
    old.retired = true;
    if (old.inFlight === 0) old.closed = old.detector.close();
    const a = old.detector.input;
    const b = next.detector.input;
    if (a.width !== b.width || a.height !== b.height || a.resize !== b.resize || a.padAlign !== b.padAlign) {
      // The sources scale to the model's input, so a model with another input size needs them
      // restarted at the new size; frames of the old size still in the pipe are dropped.
      for (const s of p.streams.values()) this.restartSource(s);
    }
    this.log?.info({ pipeline, from: old.info.name, to: next.info.name }, 'model swapped');
    return next.info;
  }

  /** Stops sources, drains in-flight batches, closes models and sinks. Idempotent. */
  stop(drainTimeoutMs = 3000): Promise<void> {
    this.stopping ??= this.doStop(drainTimeoutMs);
    return this.stopping;
  }

  private async doStop(drainTimeoutMs: number): Promise<void> {
    const ps = [...this.pipelines.values()];
    const stops: Promise<void>[] = [];
    for (const p of ps) {
      for (const s of p.streams.values()) {
        s.subs.unsubscribe();
        stops.push(s.handle.stop());
      }
    }
    // Sources stop (ffmpeg gets a grace period for an RTSP TEARDOWN) while the batches already
    // running drain, so both waits overlap inside the shutdown budget.
    const running = ps.flatMap((p) => [...p.running]);
    await Promise.all([
      Promise.allSettled(stops),
      Promise.race([Promise.allSettled(running), new Promise((r) => setTimeout(r, drainTimeoutMs).unref())]),
    ]);
    for (const p of ps) {
      p.sub.unsubscribe();
      p.ingress.complete();
      for (const s of p.streams.values()) s.ready$.complete();
      await Promise.allSettled([p.model.detector.close(), p.sinks?.close()]);
    }
    this.pipelines.clear();
    this.results.complete();
    this.jpegs.complete();
    this.events.complete();
  }

  private async loadModel(cfg: PipelineConfig, ref: string): Promise<ActiveModel> {
    const path = await this.deps.resolveModel(ref);
    const detector = await this.deps.createDetector(path, cfg);
    const info: ModelInfo = {
      pipeline: cfg.name,
      name: ref,
      path,
      labels: detector.labels,
      inputWidth: detector.input.width,
      inputHeight: detector.input.height,
    };
    return { detector, info, inFlight: 0, retired: false };
  }

  private startStream(p: PipelineCtx, src: ResolvedSource): StreamCtx {
    const s: StreamCtx = {
      id: src.id,
      pipeline: p,
      src,
      handle: this.deps.openSource(src, p.model.detector.input),
      ready$: new Subject<void>(),
      stats: new StreamStats(),
      state: 'connecting',
      tracker: this.deps.createTracker(p.cfg, src.id),
      zones: this.deps.createZoneMonitor?.(p.cfg, src.id) ?? null,
      zoneClasses: new Map(),
      seqOffset: 0,
      lastSeq: -1,
      removed: false,
      subs: new Subscription(),
    };
    p.streams.set(s.id, s);
    this.metrics?.setStreamState(s.id, 'connecting');
    this.wireStream(s);
    return s;
  }

  private wireStream(s: StreamCtx): void {
    const m = this.metrics;
    s.subs.add(
      s.handle.state$.subscribe((c) => {
        if (c.state === 'connecting' && s.state === 'backoff') {
          s.stats.reconnects += 1;
          m?.reconnects.inc({ stream: s.id });
        }
        s.state = c.state;
        if (c.error) s.lastError = c.error;
        m?.setStreamState(s.id, c.state);
        if (c.state === 'backoff') this.log?.warn({ stream: s.id, error: c.error }, 'source in backoff');
      }),
    );
    // Offline frames get two credits so the next batch is ready when the detector frees up;
    // live frames one, so what is detected next is as fresh as possible.
    const capacity = s.src.live ? 1 : 2;
    const flow = s.src.live
      ? latestFrame<SourceFrame>({ ready$: s.ready$, capacity, onSkip: () => this.drop(s, 'busy') })
      : boundedQueue<SourceFrame>({
          ready$: s.ready$,
          capacity,
          size: s.pipeline.cfg.queueSize,
          onPressure: (paused) => (paused ? s.handle.pause?.() : s.handle.resume?.()),
          onDrop: () => this.drop(s, 'queue_full'),
        });
    s.subs.add(
      s.handle.frames$
        .pipe(
          tap((f) => {
            f.seq += s.seqOffset;
            s.lastSeq = f.seq;
            s.stats.framesIn += 1;
            s.width = f.sourceWidth;
            s.height = f.sourceHeight;
            m?.framesIn.inc({ stream: s.id });
            if (f.decodeMs !== undefined) m?.stage.decode.observe({ stream: s.id, model: s.pipeline.model.info.name }, sec(f.decodeMs));
          }),
          flow,
        )
        .subscribe({
          next: (frame) => s.pipeline.ingress.next({ stream: s, frame }),
          error: (e) => {
            s.lastError = errorMessage(e);
            s.state = 'stopped';
            m?.setStreamState(s.id, 'stopped');
            this.log?.error({ stream: s.id, error: s.lastError }, 'source failed');
          },
          complete: () => {
            s.state = 'stopped';
            m?.setStreamState(s.id, 'stopped');
          },
        }),
    );
  }

  private restartSource(s: StreamCtx): void {
    const old = s.handle;
    s.subs.unsubscribe();
    s.subs = new Subscription();
    s.ready$ = new Subject<void>();
    // A new source counts from 0 again; clients pair JPEGs and results by an increasing seq.
    s.seqOffset = s.lastSeq + 1;
    s.handle = this.deps.openSource(s.src, s.pipeline.model.detector.input);
    this.wireStream(s);
    void old.stop();
  }

  private track(p: PipelineCtx, run: Promise<void>): Promise<void> {
    p.running.add(run);
    return run.finally(() => p.running.delete(run));
  }

  /** Runs one batch through the model, then tracking, zones and the outputs, per frame. */
  private async runBatch(p: PipelineCtx, batch: Work[]): Promise<void> {
    const model = p.model;
    const inp = model.detector.input;
    // Frames scaled for a previous model (just after a swap to another input size) cannot run.
    const ok = batch.filter((w) => {
      if (w.frame.width === inp.width && w.frame.height === inp.height) return true;
      this.release(w, 'error');
      return false;
    });
    if (ok.length === 0) return;
    model.inFlight += 1;
    const dispatchedAt = Date.now();
    const labels = { model: model.info.name };
    this.metrics?.batchSize.observe(labels, ok.length);
    try {
      const results = await model.detector.detect(
        ok.map((w) => ({ data: w.frame.data, sourceWidth: w.frame.sourceWidth, sourceHeight: w.frame.sourceHeight })),
      );
      ok.forEach((w, i) => this.finishFrame(w, results[i]!, model, dispatchedAt));
    } catch (e) {
      this.log?.error({ pipeline: p.cfg.name, error: errorMessage(e) }, 'batch failed');
      for (const w of ok) {
        w.stream.lastError = `detector: ${errorMessage(e)}`;
        this.release(w, 'error');
      }
    } finally {
      model.inFlight -= 1;
      if (model.retired && model.inFlight === 0 && !model.closed) model.closed = model.detector.close();
    }
  }

  private finishFrame(w: Work, r: DetectResult, model: ActiveModel, dispatchedAt: number): void {
    const s = w.stream;
    if (s.removed) return this.release(w, 'stream_removed');
    const m = this.metrics;
    const labels = { stream: s.id, model: model.info.name };
    const f = w.frame;
    m?.stage.queue.observe(labels, sec(dispatchedAt - f.capturedAt + r.timings.queueMs));
    m?.stage.inference.observe(labels, sec(r.timings.inferenceMs));
    m?.stage.postprocess.observe(labels, sec(r.timings.postprocessMs));

    const t0 = performance.now();
    let detections = r.detections;
    let raw: StageEvent[] = [];
    try {
      const tracked = s.tracker.update(detections, f.capturedAt);
      detections = tracked.detections;
      raw = tracked.events;
      if (s.zones) {
        const zoneEvents = s.zones.update(detections, f.capturedAt, raw);
        if (zoneEvents.length > 0) this.recordZones(s, zoneEvents);
        raw = raw.concat(zoneEvents);
      }
    } catch (e) {
      // A tracker bug must not stop the stream: send the untracked detections.
      this.log?.error({ stream: s.id, error: errorMessage(e) }, 'tracking failed');
    }
    m?.stage.track.observe(labels, sec(performance.now() - t0));

    const t1 = performance.now();
    if (f.jpeg) this.jpegs.next({ stream: s.id, seq: f.seq, jpeg: f.jpeg });
    this.results.next({
      stream: s.id,
      seq: f.seq,
      capturedAt: f.capturedAt,
      model: model.info.name,
      detections,
      width: f.sourceWidth,
      height: f.sourceHeight,
    });
    for (const e of raw) {
      const ev: PipelineEvent = { ...(e as unknown as Record<string, unknown>), type: e.type, stream: s.id, at: typeof e.at === 'number' ? e.at : f.capturedAt };
      m?.events.inc({ stream: s.id, type: ev.type });
      this.events.next(ev);
      s.pipeline.sinks?.publish(ev);
    }
    m?.stage.send.observe(labels, sec(performance.now() - t1));

    const now = Date.now();
    m?.stage.end_to_end.observe(labels, sec(now - f.capturedAt));
    m?.framesProcessed.inc(labels);
    s.stats.done(now, now - f.capturedAt);
    s.ready$.next();
  }

  /** Line counters and zone occupancy gauges; occupancy only changes on zone events. */
  private recordZones(s: StreamCtx, events: StageEvent[]): void {
    const m = this.metrics;
    if (!m || !s.zones) return;
    for (const e of events) {
      const ev = e as StageEvent & { line?: string; direction?: string };
      if (ev.type === 'line.cross' && ev.line && ev.direction) m.lineCrossings.inc({ stream: s.id, line: ev.line, direction: ev.direction });
    }
    if (events.some((e) => e.type === 'zone.enter' || e.type === 'zone.exit')) {
      for (const [zone, occ] of Object.entries(s.zones.occupancy())) {
        // Classes seen before are set too, so a class that left the zone goes back to 0.
        const seen = s.zoneClasses.get(zone) ?? new Set<string>();
        for (const cls of Object.keys(occ.byClass)) seen.add(cls);
        s.zoneClasses.set(zone, seen);
        for (const cls of seen) m.zoneOccupancy.set({ stream: s.id, zone, class: cls }, occ.byClass[cls] ?? 0);
      }
    }
  }

  /** Drops a frame that was taken from the stream's flow and returns its credit. */
  private release(w: Work, reason: DropReason): void {
    this.drop(w.stream, reason);
    if (!w.stream.removed) w.stream.ready$.next();
  }

  private drop(s: StreamCtx, reason: DropReason): void {
    s.stats.drop(reason);
    this.metrics?.framesDropped.inc({ stream: s.id, reason });
  }

  private info(s: StreamCtx, now: number): StreamInfo {
    return {
      id: s.id,
      pipeline: s.pipeline.cfg.name,
      url: redactUrl(s.src.url),
      state: s.state,
      fps: Math.round(s.stats.fps(now) * 10) / 10,
      width: s.width,
      height: s.height,
      framesIn: s.stats.framesIn,
      processed: s.stats.processed,
      dropped: { ...s.stats.dropped },
      reconnects: s.stats.reconnects,
      lastError: s.lastError,
      latencyMs: s.stats.medianLatency(now),
    };
  }

  private findStream(id: string): StreamCtx | undefined {
    for (const p of this.pipelines.values()) {
      const s = p.streams.get(id);
      if (s) return s;
    }
    return undefined;
  }

  private pipelineOf(name?: string): PipelineCtx {
    const p = name === undefined ? this.pipelines.values().next().value : this.pipelines.get(name);
    if (!p) throw new SsdsError(ErrorCodes.NOT_FOUND, name === undefined ? 'no pipeline is running' : `pipeline "${name}" not found`);
    return p;
  }
}
