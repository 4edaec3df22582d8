/**
 * The tracker interface the pipeline calls once per frame, its lifecycle events, and the factory
 * that picks ByteTrack or SORT from the config.
 */
import type { Detection } from '../types.js';
import { parseTrackerConfig, type TrackerConfig, type TrackerConfigInput } from './tracker-config.js';
import { createByteTracker } from './byte-tracker.js';
import { createSortTracker } from './sort-tracker.js';

/**
 * A track lifecycle event. `track.new` when a track is confirmed (it then has its ID),
 * `track.lost` when a confirmed track stops being matched, `track.end` when a lost track's buffer
 * runs out (it will never come back). Times are the `timestampMs` given to `update`.
 */
export interface TrackEvent {
  type: 'track.new' | 'track.lost' | 'track.end';
  trackId: number;
  /** Majority label over the track's life so far. */
  label: string;
  classId: number;
  /** Latest filtered box, `xyxy`, in the unit of the input detections. */
  box: [number, number, number, number];
  /** ms of the first and latest matched detection. */
  firstSeen: number;
  lastSeen: number;
  /** ms of the update that raised the event. */
  at: number;
}

/** What one update returns. */
export interface TrackerOutput {
  /** Confirmed tracks matched in this frame, `trackId` set, label by majority vote. */
  detections: Detection[];
  events: TrackEvent[];
}

/** A multi-object tracker for one stream. Not thread-safe; one per stream. */
export interface Tracker {
  /**
   * Feeds the detections of one frame taken at `timestampMs` (ms; must not decrease). The
   * filter advances by the real time since the previous update, so skipped frames are fine.
   */
  update(detections: Detection[], timestampMs: number): TrackerOutput;
  /** Forgets all tracks (e.g. the source restarted). IDs keep counting up. */
  reset(): void;
}

/**
 * Builds the tracker named by `config.type`. `config` is validated (again, if already parsed:
 * parsing is idempotent and cheap) so a bad key fails here with a ConfigError.
 */
export function createTracker(config: TrackerConfig | TrackerConfigInput = {}): Tracker {
  const cfg = parseTrackerConfig(config);
  return cfg.type === 'sort' ? createSortTracker(cfg) : createByteTracker(cfg);
}

export type { TrackerConfig } from './tracker-config.js';
