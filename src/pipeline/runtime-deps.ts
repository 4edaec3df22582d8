/**
 * Binds the runtime's ports (`runtime-ports.ts`) to the real stages: supervised ffmpeg sources
 * (`src/video`), the worker-pool detector (`src/inference`), ByteTrack (`src/tracking`) and the
 * model catalogue (`src/models`).
 */
import { Detector } from '../inference/detector.js';
import { createTracker, type TrackEvent } from '../tracking/tracker.js';
import { createZoneMonitor } from '../tracking/zones.js';
import { createEventSinks, fanOut } from '../events/create-event-sinks.js';
import { resolveModel } from '../models/catalog.js';
import { openSupervisedSource } from './source-port.js';
import type { PipelineConfig } from './config-schema.js';
import type { DetectorHandle, EventSinkHandle, RuntimeDeps, ZoneHandle } from './runtime-ports.js';

/** Re-exported so callers that bind their own deps can reuse the real source. */
export { openSupervisedSource };

/** Loads a model into a worker pool configured by the pipeline. */
export async function createPipelineDetector(path: string, p: PipelineConfig): Promise<DetectorHandle> {
  const det = await Detector.create({
    model: path,
    executionProvider: p.executionProvider,
    workers: p.workers,
    intraOpThreads: p.threads ?? undefined,
    maxBatch: p.maxBatch,
    // Only real overrides: an empty object would still be filled with the schema defaults by a
    // zod `.partial()` (zod 4 applies inner defaults) and mask the model's own thresholds.
    postprocess: Object.keys(p.postprocess).length > 0 ? p.postprocess : undefined,
  });
  const input = det.spec.input;
  return {
    input: { width: input.width, height: input.height, resize: input.resize, padAlign: input.padAlign },
    labels: [...det.spec.labels],
    detect: (reqs) => det.detect(reqs),
    close: () => det.close(),
  };
}

/** Zones and lines of one stream; null when the pipeline has none (nothing to run per frame). */
export function createPipelineZones(p: PipelineConfig): ZoneHandle | null {
  if (p.zones.length === 0 && p.lines.length === 0) return null;
  const zm = createZoneMonitor({ zones: p.zones, lines: p.lines });
  return {
    update: (dets, tMs, trackEvents) => zm.update(dets, tMs, trackEvents as unknown as TrackEvent[]),
    occupancy: () => zm.occupancy(),
  };
}

/** One fan-out sink for the pipeline's `events:`; null when there are none. */
export function createPipelineSinks(p: PipelineConfig, path: string): EventSinkHandle | null {
  if (p.events.length === 0) return null;
  return fanOut(createEventSinks(p.events, `${path}.events`), `${p.name}-events`);
}

/** The real stages. */
export const defaultRuntimeDeps: RuntimeDeps = {
  openSource: openSupervisedSource,
  resolveModel: (ref) => resolveModel(ref),
  createDetector: createPipelineDetector,
  createTracker: (p) => createTracker(p.tracker),
  createZoneMonitor: (p) => createPipelineZones(p),
  createEventSinks: (p, path) => createPipelineSinks(p, path),
};
