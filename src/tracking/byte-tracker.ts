/**
 * ByteTrack (Zhang et al., ECCV 2022, Alg. 1): associate every detection box, not only the
 * confident ones. Low-score boxes are usually occluded objects; matching them to tracks that are
 * still being followed keeps those tracks alive through partial occlusion, and boxes that match
 * no track are dropped as background.
 *
 * One update, in named steps:
 * 1. `associateHigh` — high-score detections ↔ confirmed tracks, tracked and lost (IoU ≥ matchIou).
 * 2. `associateLow` — low-score detections ↔ tracks still tracked and left over (IoU ≥ lowMatchIou);
 *    tracks still unmatched become lost.
 * 3. `associateTentative` — tentative tracks ↔ high-score detections left over; unmatched
 *    tentative tracks are removed (a one-frame blip never gets an ID).
 * 4. `startTracks` — high-score detections still left, with score ≥ newTrackThresh, start
 *    tentative tracks.
 * 5. `expireLost` — lost tracks older than `buffer` frames (in time) end.
 */
import type { Detection } from '../types.js';
import type { TrackerConfig } from './tracker-config.js';
import type { Tracker, TrackerOutput } from './tracker.js';
import { associate } from './association.js';
import { TrackSet, usableDetections } from './track-set.js';

/** Creates a ByteTrack tracker (use {@link createTracker} to pick by config). */
export function createByteTracker(cfg: TrackerConfig): Tracker {
  const set = new TrackSet(cfg);

  function associateHigh(high: Detection[], at: number): Detection[] {
    const r = associate(set.inState('tracked', 'lost'), high, cfg.matchIou, cfg.classAware);
    for (const [t, d] of r.matches) set.matched(t, d, at);
    return r.unmatchedDetections;
  }

  function associateLow(low: Detection[], at: number): void {
    // Tracked tracks not matched in the first round; lost ones are excluded because a weak box
    // near a stale prediction is more likely background than the object coming back.
    const pending = set.inState('tracked').filter((t) => !t.lastDetection);
    const r = associate(pending, low, cfg.lowMatchIou, cfg.classAware);
    for (const [t, d] of r.matches) set.matched(t, d, at);
    for (const t of r.unmatchedTracks) set.missed(t, at);
  }

  function associateTentative(high: Detection[], at: number): Detection[] {
    const r = associate(set.inState('tentative'), high, cfg.tentativeMatchIou, cfg.classAware);
    for (const [t, d] of r.matches) set.matched(t, d, at);
    for (const t of r.unmatchedTracks) set.missed(t, at);
    return r.unmatchedDetections;
  }

  function startTracks(left: Detection[], at: number): void {
    for (const d of left) if (d.score >= cfg.newTrackThresh) set.start(d, at);
  }

  return {
    update(detections: Detection[], at: number): TrackerOutput {
      set.begin(at);
      const high: Detection[] = [];
      const low: Detection[] = [];
      for (const d of usableDetections(detections)) {
        if (d.score >= cfg.highThresh) high.push(d);
        else if (d.score >= cfg.lowThresh) low.push(d);
      }
      const leftHigh = associateHigh(high, at);
      associateLow(low, at);
      const leftAfterTentative = associateTentative(leftHigh, at);
      startTracks(leftAfterTentative, at);
      set.expireLost(at);
      return { detections: set.output(), events: set.events };
    },
    reset(): void {
      set.clear();
    },
  };
}
