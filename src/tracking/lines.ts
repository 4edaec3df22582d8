/**
 * Directed line crossing, by the box's anchor point (bottom centre by default).
 *
 * Direction: walking along the line from `from` to `to` as drawn on screen (y down), `in` is a
 * crossing from the left side to the right side, `out` the reverse. For a line drawn left to
 * right, `in` is moving down the picture.
 *
 * Why hysteresis: a tracked box jitters by a few pixels, and a person standing on the line would
 * otherwise be counted in and out every few frames. A side only counts once the point is more
 * than `hysteresis` away from the line, and a crossing is the move between the last point
 * firmly on one side and the first point firmly on the other, which must pass through the drawn
 * segment (not its extension).
 */
import type { Detection } from '../types.js';
import { anchorPoint, crossingFraction, signedDistance, type Point } from './geometry.js';
import type { LineConfig } from './zones-config.js';
import type { LineCrossEvent } from './zone-events.js';

/** In/out totals of one line, overall and per label. */
export interface LineCount {
  in: number;
  out: number;
  byClass: Record<string, { in: number; out: number }>;
}

interface SideMemory {
  side: 1 | -1;
  point: Point;
}

/** Counts crossings of one line. */
export class LineCounter {
  private readonly memory = new Map<number, SideMemory>(); // trackId → last firm side
  private readonly counts: LineCount = { in: 0, out: 0, byClass: {} };

  constructor(readonly cfg: LineConfig) {}

  /** Feeds one tracked detection; returns the crossing it made, if any. */
  observe(d: Detection, at: number): LineCrossEvent | undefined {
    if (d.trackId === undefined) return undefined;
    if (this.cfg.classes && !this.cfg.classes.includes(d.label)) return undefined;
    const p = anchorPoint(d.box, this.cfg.anchor);
    const dist = signedDistance(p, this.cfg.from, this.cfg.to);
    if (Math.abs(dist) <= this.cfg.hysteresis) return undefined;
    const side: 1 | -1 = dist > 0 ? 1 : -1;
    const prev = this.memory.get(d.trackId);
    this.memory.set(d.trackId, { side, point: p });
    if (!prev || prev.side === side) return undefined;
    const u = crossingFraction(prev.point, p, this.cfg.from, this.cfg.to);
    if (!(u >= 0 && u <= 1)) return undefined;
    const direction = side === 1 ? 'in' : 'out';
    this.counts[direction]++;
    const c = (this.counts.byClass[d.label] ??= { in: 0, out: 0 });
    c[direction]++;
    return {
      type: 'line.cross',
      line: this.cfg.name,
      direction,
      trackId: d.trackId,
      label: d.label,
      classId: d.classId,
      box: [...d.box],
      at,
    };
  }

  /** Forgets a track that ended. */
  forget(trackId: number): void {
    this.memory.delete(trackId);
  }

  /** A copy of the totals. */
  count(): LineCount {
    return structuredClone(this.counts);
  }
}
