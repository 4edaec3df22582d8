/**
 * Offline tracking over a MOTChallenge detection file: what `ssd-stream track` runs, so users can
 * tune tracker settings on public detections and score them with `eval mot`.
 */
import { createTracker, type TrackerConfig } from '../tracking/tracker.js';
import type { TrackerConfigInput } from '../tracking/tracker-config.js';
import { detectionToMotRow, motRowToDetection, type MotRow } from './mot.js';

/** Options of {@link trackMotDetections}. */
export interface MotTrackOptions {
  /** Last frame to run (default: the last frame with a detection). Frames with no detections still step the tracker. */
  lastFrame?: number;
}

/**
 * Runs the tracker over detection rows frame by frame (frame `f` at `(f − 1) / frameRate` s) and
 * returns the tracked boxes as result rows, in pixels like the input.
 */
export function trackMotDetections(
  detections: MotRow[],
  config: TrackerConfig | TrackerConfigInput = {},
  options: MotTrackOptions = {},
): { rows: MotRow[]; tracks: number; frames: number } {
  const tracker = createTracker(config);
  const frameRate = config.frameRate ?? 30;
  const byFrame = new Map<number, MotRow[]>();
  let last = 0;
  for (const r of detections) {
    (byFrame.get(r.frame) ?? byFrame.set(r.frame, []).get(r.frame)!).push(r);
    last = Math.max(last, r.frame);
  }
  last = Math.max(last, options.lastFrame ?? 0);
  const rows: MotRow[] = [];
  const ids = new Set<number>();
  for (let f = 1; f <= last; f++) {
    const dets = (byFrame.get(f) ?? []).map(motRowToDetection);
    const out = tracker.update(dets, ((f - 1) * 1000) / frameRate);
    for (const d of out.detections) {
      rows.push(detectionToMotRow(d, f));
      ids.add(d.trackId!);
    }
  }
  return { rows, tracks: ids.size, frames: last };
}
