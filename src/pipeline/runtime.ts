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
import { createSnapshotStore } from '../events/snapshot-store.js';
import { Subject, Subscription, from, mergeMap, type Observable } from 'rxjs';
import { ErrorCodes, SsdsError } from '../errors.js';
import type { Logger } from '../util/logger.js';
import type { Metrics } from '../server/metrics.js';
import type { FrameJpeg, FrameResult, ModelInfo, PipelineEvent, RuntimeApi, SourceRequest, StreamInfo } from './runtime-api.js';
import type { AppConfig, PipelineConfig, ResolvedPipelineConfig, ResolvedSource } from './config-schema.js';
import { parseSourceRequest } from './config-loader.js';
import type { RuntimeDeps } from './runtime-ports.js';
import { crossStreamBatcher } from './operators/cross-stream-batcher.js';
import { StreamStats } from './stream-stats.js';
import { redactUrl } from '../video/source-url.js';
import { countProducing, type ActiveModel, type PipelineCtx, type RuntimeOutputs, type StreamCtx, type Work } from './runtime-context.js';
import { wireStream } from './stream-flow.js';
import { runBatch } from './frame-stages.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  deps: RuntimeDeps;
  metrics?: Metrics;
  logger?: Logger;
  /** Base for relative file paths of streams added at run time. */
  cwd?: string;
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
  /** What the stage functions write to (the subjects above, metrics, log). */
  private readonly out: RuntimeOutputs;
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
    this.out = {
      results: this.results,
      jpegs: this.jpegs,
      events: this.events,
      snapshots: createSnapshotStore(),
      metrics: this.metrics,
      log: this.log,
    };
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
          mergeMap((batch) => from(this.track(p, runBatch(this.out, p, batch))), maxInFlight),
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

  /** {@inheritDoc RuntimeApi.snapshot} */
  snapshot(id: string): Promise<Uint8Array | undefined> {
    return this.out.snapshots?.get(id) ?? Promise.resolve(undefined);
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
    wireStream(this.out, s);
    return s;
  }

  private restartSource(s: StreamCtx): void {
    const old = s.handle;
    s.subs.unsubscribe();
    s.subs = new Subscription();
    s.ready$ = new Subject<void>();
    // A new source counts from 0 again; clients pair JPEGs and results by an increasing seq.
    s.seqOffset = s.lastSeq + 1;
    s.handle = this.deps.openSource(s.src, s.pipeline.model.detector.input);
    wireStream(this.out, s);
    void old.stop();
  }

  private track(p: PipelineCtx, run: Promise<void>): Promise<void> {
    p.running.add(run);
    return run.finally(() => p.running.delete(run));
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
