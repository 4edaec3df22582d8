/**
 * SORT (Bewley et al., ICIP 2016): one IoU association round between all tracks and the
 * high-score detections; low-score boxes are ignored. Kept behind the same interface as
 * ByteTrack as the simpler baseline, with the same Kalman filter, lifecycle and events.
 */
import type { Detection } from '../types.js';
import type { TrackerConfig } from './tracker-config.js';
import type { Tracker, TrackerOutput } from './tracker.js';
import { associate } from './association.js';
import { TrackSet, usableDetections } from './track-set.js';

/** Creates a SORT tracker (use {@link createTracker} to pick by config). */
export function createSortTracker(cfg: TrackerConfig): Tracker {
  const set = new TrackSet(cfg);
  return {
    update(detections: Detection[], at: number): TrackerOutput {
      set.begin(at);
      const dets = usableDetections(detections).filter((d) => d.score >= cfg.highThresh);
      const r = associate(set.inState('tracked', 'lost', 'tentative'), dets, cfg.matchIou, cfg.classAware);
      for (const [t, d] of r.matches) set.matched(t, d, at);
      for (const t of r.unmatchedTracks) set.missed(t, at);
      for (const d of r.unmatchedDetections) if (d.score >= cfg.newTrackThresh) set.start(d, at);
      set.expireLost(at);
      return { detections: set.output(), events: set.events };
    },
    reset(): void {
      set.clear();
    },
  };
}
