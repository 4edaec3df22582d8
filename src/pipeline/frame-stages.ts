/**
 * The back half of the pipeline, per batch: the detector, then per frame the tracker, zones and
 * lines, the outputs (`results$`, `jpegs$`, `events$`, event sinks) and the stage metrics.
 */
import { errorMessage } from '../errors.js';
import type { PipelineEvent } from './runtime-api.js';
import type { DetectResult, StageEvent } from './runtime-ports.js';
import { releaseFrame, sec, type ActiveModel, type PipelineCtx, type RuntimeOutputs, type StreamCtx, type Work } from './runtime-context.js';

/** Runs one batch through the model, then tracking, zones and the outputs, per frame. */
export async function runBatch(out: RuntimeOutputs, p: PipelineCtx, batch: Work[]): Promise<void> {
  const model = p.model;
  const inp = model.detector.input;
  // Frames scaled for a previous model (just after a swap to another input size) cannot run.
  const ok = batch.filter((w) => {
    if (w.frame.width === inp.width && w.frame.height === inp.height) return true;
    releaseFrame(out, w, 'error');
    return false;
  });
  if (ok.length === 0) return;
  model.inFlight += 1;
  const dispatchedAt = Date.now();
  const labels = { model: model.info.name };
  out.metrics?.batchSize.observe(labels, ok.length);
  try {
    const results = await model.detector.detect(
      ok.map((w) => ({ data: w.frame.data, sourceWidth: w.frame.sourceWidth, sourceHeight: w.frame.sourceHeight })),
    );
    ok.forEach((w, i) => finishFrame(out, w, results[i]!, model, dispatchedAt));
  } catch (e) {
    out.log?.error({ pipeline: p.cfg.name, error: errorMessage(e) }, 'batch failed');
    for (const w of ok) {
      w.stream.lastError = `detector: ${errorMessage(e)}`;
      releaseFrame(out, w, 'error');
    }
  } finally {
    model.inFlight -= 1;
    if (model.retired && model.inFlight === 0 && !model.closed) model.closed = model.detector.close();
  }
}

/** Tracking, zones and the outputs of one detected frame; returns the stream's credit. */
function finishFrame(out: RuntimeOutputs, w: Work, r: DetectResult, model: ActiveModel, dispatchedAt: number): void {
  const s = w.stream;
  if (s.removed) return releaseFrame(out, w, 'stream_removed');
  const m = out.metrics;
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
      if (zoneEvents.length > 0) recordZones(out, s, zoneEvents);
      raw = raw.concat(zoneEvents);
    }
  } catch (e) {
    // A tracker bug must not stop the stream: send the untracked detections.
    out.log?.error({ stream: s.id, error: errorMessage(e) }, 'tracking failed');
  }
  m?.stage.track.observe(labels, sec(performance.now() - t0));

  const t1 = performance.now();
  if (f.jpeg) out.jpegs.next({ stream: s.id, seq: f.seq, jpeg: f.jpeg });
  out.results.next({
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
    if (f.jpeg) out.snapshots?.attach(ev, f.jpeg);
    m?.events.inc({ stream: s.id, type: ev.type });
    out.events.next(ev);
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
function recordZones(out: RuntimeOutputs, s: StreamCtx, events: StageEvent[]): void {
  const m = out.metrics;
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

