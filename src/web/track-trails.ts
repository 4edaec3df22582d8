/**
 * Short trails of tracked objects: the last box centres of each track id, normalised [0,1]
 * coordinates. Tracks not seen for a while are forgotten so the map stays small.
 */

/** How many centres a trail keeps. */
export const TRAIL_LENGTH = 20;
/** A track unseen for this long loses its trail, ms. */
export const TRAIL_EXPIRY_MS = 2000;

interface Trail {
  points: Array<[number, number]>;
  seenAt: number;
}

/** Trails of one stream, keyed by track id. */
export class TrackTrails {
  private readonly trails = new Map<number, Trail>();

  /** Adds the centre of every tracked box (`box` is xyxy normalised) and expires old tracks. */
  update(detections: ReadonlyArray<{ box: readonly number[]; trackId?: number }>, now: number): void {
    for (const d of detections) {
      if (d.trackId === undefined) continue;
      const [x1, y1, x2, y2] = d.box;
      let t = this.trails.get(d.trackId);
      if (!t) this.trails.set(d.trackId, (t = { points: [], seenAt: now }));
      t.points.push([(x1 + x2) / 2, (y1 + y2) / 2]);
      if (t.points.length > TRAIL_LENGTH) t.points.shift();
      t.seenAt = now;
    }
    for (const [id, t] of this.trails) if (now - t.seenAt > TRAIL_EXPIRY_MS) this.trails.delete(id);
  }

  /** The centres of `trackId`, oldest first (empty when unknown). */
  get(trackId: number): ReadonlyArray<[number, number]> {
    return this.trails.get(trackId)?.points ?? [];
  }

  /** Forgets every trail (the stream restarted). */
  clear(): void {
    this.trails.clear();
  }
}
