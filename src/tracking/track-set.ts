/**
 * Bookkeeping shared by ByteTrack and SORT: the track list, the ID counter, time steps, the
 * lifecycle transitions that raise events, and the output records. Each tracker owns one.
 */
import type { Detection } from '../types.js';
import type { TrackerConfig } from './tracker-config.js';
import type { TrackEvent } from './tracker.js';
import { Track } from './track.js';

/**
 * Detections a tracker can use: finite boxes with positive width and height. A NaN from a broken
 * model output would otherwise enter a Kalman state and never leave it.
 */
export function usableDetections(detections: Detection[]): Detection[] {
  return detections.filter(({ box: [x1, y1, x2, y2], score }) => x2 > x1 && y2 > y1 && Number.isFinite(x1 + y1 + x2 + y2 + score));
}

/** Tracks of one tracker, with the transitions that raise {@link TrackEvent}s. */
export class TrackSet {
  tracks: Track[] = [];
  /** Events raised during the current update. */
  events: TrackEvent[] = [];
  private nextId = 1;
  private lastTimestamp: number | undefined;
  private readonly framePeriodMs: number;
  private readonly bufferMs: number;

  constructor(private readonly cfg: TrackerConfig) {
    this.framePeriodMs = 1000 / cfg.frameRate;
    this.bufferMs = cfg.buffer * this.framePeriodMs;
  }

  /**
   * Starts an update at `timestampMs`: clears events and predicts every track by the real time
   * elapsed, in nominal frames. The first update steps one frame (there is no earlier time).
   */
  begin(timestampMs: number): void {
    this.events = [];
    const dt = this.lastTimestamp === undefined ? 1 : (timestampMs - this.lastTimestamp) / this.framePeriodMs;
    this.lastTimestamp = timestampMs;
    for (const t of this.tracks) {
      t.lastDetection = undefined;
      t.predict(Math.max(0, dt));
    }
  }

  /** Tracks in `state`. */
  inState(...states: Track['state'][]): Track[] {
    return this.tracks.filter((t) => states.includes(t.state));
  }

  /** Updates `track` with `det`; a lost track comes back, a tentative one may be confirmed. */
  matched(track: Track, det: Detection, at: number): void {
    track.update(det, at);
    if (track.state === 'lost') track.state = 'tracked';
    else if (track.state === 'tentative' && track.hits >= this.cfg.minHits) this.confirm(track, at);
  }

  /** A track not matched in this update: tracked → lost, tentative → removed. */
  missed(track: Track, at: number): void {
    if (track.state === 'tracked') {
      track.state = 'lost';
      this.emit('track.lost', track, at);
    } else if (track.state === 'tentative') {
      track.state = 'removed';
    }
  }

  /** Starts a tentative track from `det` (confirmed at once when `minHits` is 1). */
  start(det: Detection, at: number): void {
    const t = new Track(det, at);
    this.tracks.push(t);
    if (this.cfg.minHits <= 1) this.confirm(t, at);
  }

  /** Removes lost tracks whose last detection is older than the buffer, raising `track.end`. */
  expireLost(at: number): void {
    for (const t of this.tracks) {
      if (t.state === 'lost' && at - t.lastSeen > this.bufferMs) {
        t.state = 'removed';
        this.emit('track.end', t, at);
      }
    }
    this.tracks = this.tracks.filter((t) => t.state !== 'removed');
  }

  /** Output records: confirmed tracks matched in this update. */
  output(): Detection[] {
    const out: Detection[] = [];
    for (const t of this.tracks) {
      const d = t.lastDetection;
      if (t.state !== 'tracked' || !d) continue;
      out.push({
        box: this.cfg.outputBox === 'filtered' ? t.box : [...d.box],
        score: d.score,
        classId: t.classId,
        label: t.label,
        trackId: t.id,
      });
    }
    return out;
  }

  /** Drops every track (no events: nothing was observed to end). */
  clear(): void {
    this.tracks = [];
    this.events = [];
    this.lastTimestamp = undefined;
  }

  private confirm(t: Track, at: number): void {
    t.state = 'tracked';
    t.id = this.nextId++;
    this.emit('track.new', t, at);
  }

  private emit(type: TrackEvent['type'], t: Track, at: number): void {
    this.events.push({
      type,
      trackId: t.id,
      label: t.label,
      classId: t.classId,
      box: t.box,
      firstSeen: t.firstSeen,
      lastSeen: t.lastSeen,
      at,
    });
  }
}
