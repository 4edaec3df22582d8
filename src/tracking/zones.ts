/**
 * Polygon zones and counting lines over tracked detections, for one stream: per-class occupancy,
 * `zone.enter` / `zone.exit` with dwell time, and `line.cross` with in/out counts (`lines.ts`).
 *
 * A track that disappears from the tracker's output (occlusion) keeps its place in a zone until
 * it has been unseen for `lostAfterMs` or the tracker reports `track.end`; only then is it
 * `zone.exit` with reason `lost`. Otherwise every short occlusion would exit and re-enter and
 * inflate the counts users trust.
 */
import type { Detection } from '../types.js';
import { anchorPoint, pointInPolygon } from './geometry.js';
import { LineCounter, type LineCount } from './lines.js';
import { parseZonesConfig, type ZoneConfig, type ZonesConfig, type ZonesConfigInput } from './zones-config.js';
import type { ZoneEvent, ZoneExitEvent } from './zone-events.js';

export type { ZoneEvent, ZoneEnterEvent, ZoneExitEvent, LineCrossEvent } from './zone-events.js';
export type { LineCount } from './lines.js';
export { zonesConfigSchema, parseZonesConfig, type ZonesConfig, type ZonesConfigInput } from './zones-config.js';

/** Who is in a zone now. */
export interface ZoneOccupancy {
  total: number;
  byClass: Record<string, number>;
  tracks: Array<{ trackId: number; label: string; enteredAt: number }>;
}

/** Zones and lines of one stream. */
export interface ZoneMonitor {
  /**
   * Feeds the tracker's output for one frame at `timestampMs`. Pass the tracker's events too so a
   * `track.end` exits its zones at once.
   */
  update(
    tracked: Detection[],
    timestampMs: number,
    trackEvents?: ReadonlyArray<{ type: string; trackId: number }>,
  ): ZoneEvent[];
  /** Occupancy per zone name. */
  occupancy(): Record<string, ZoneOccupancy>;
  /** In/out totals per line name. */
  lineCounts(): Record<string, LineCount>;
  /** Forgets every track without events (source restarted); line counts are cumulative and kept. */
  reset(): void;
}

interface Presence {
  enteredAt: number;
  lastInsideAt: number;
  label: string;
  classId: number;
  box: [number, number, number, number];
}

class Zone {
  readonly inside = new Map<number, Presence>();
  constructor(readonly cfg: ZoneConfig) {}

  observe(d: Detection & { trackId: number }, at: number, out: ZoneEvent[]): void {
    const counted = !this.cfg.classes || this.cfg.classes.includes(d.label);
    const isIn = counted && pointInPolygon(anchorPoint(d.box, this.cfg.anchor), this.cfg.polygon);
    const p = this.inside.get(d.trackId);
    if (isIn && !p) {
      this.inside.set(d.trackId, { enteredAt: at, lastInsideAt: at, label: d.label, classId: d.classId, box: [...d.box] });
      out.push({ type: 'zone.enter', zone: this.cfg.name, trackId: d.trackId, label: d.label, classId: d.classId, box: [...d.box], at });
    } else if (isIn && p) {
      // The label stays the one given at entry, so enter/exit pairs (and occupancy gauges built
      // from them) balance even if the track's majority label changes inside the zone.
      p.lastInsideAt = at;
      p.box = [...d.box];
    } else if (!isIn && p) {
      out.push(this.exit(d.trackId, p, at, 'left', [...d.box]));
    }
  }

  exit(trackId: number, p: Presence, at: number, reason: ZoneExitEvent['reason'], box = p.box): ZoneExitEvent {
    this.inside.delete(trackId);
    return {
      type: 'zone.exit',
      zone: this.cfg.name,
      trackId,
      label: p.label,
      classId: p.classId,
      box,
      at,
      dwellMs: p.lastInsideAt - p.enteredAt,
      reason,
    };
  }

  occupancy(): ZoneOccupancy {
    const byClass: Record<string, number> = {};
    const tracks: ZoneOccupancy['tracks'] = [];
    for (const [trackId, p] of this.inside) {
      byClass[p.label] = (byClass[p.label] ?? 0) + 1;
      tracks.push({ trackId, label: p.label, enteredAt: p.enteredAt });
    }
    return { total: this.inside.size, byClass, tracks };
  }
}

/** Builds the zone and line monitor of one stream; `cfg` is validated (ConfigError when bad). */
export function createZoneMonitor(cfg: ZonesConfig | ZonesConfigInput = {}): ZoneMonitor {
  const c = parseZonesConfig(cfg);
  const zones = c.zones.map((z) => new Zone(z));
  const lines = c.lines.map((l) => new LineCounter(l));
  const lastSeen = new Map<number, number>(); // trackId → ms

  function endTrack(trackId: number, at: number, out: ZoneEvent[]): void {
    for (const z of zones) {
      const p = z.inside.get(trackId);
      if (p) out.push(z.exit(trackId, p, at, 'lost'));
    }
    for (const l of lines) l.forget(trackId);
    lastSeen.delete(trackId);
  }

  return {
    update(tracked, at, trackEvents = []) {
      const out: ZoneEvent[] = [];
      for (const d of tracked) {
        if (d.trackId === undefined) continue;
        const td = d as Detection & { trackId: number };
        lastSeen.set(td.trackId, at);
        for (const z of zones) z.observe(td, at, out);
        for (const l of lines) {
          const e = l.observe(td, at);
          if (e) out.push(e);
        }
      }
      for (const e of trackEvents) if (e.type === 'track.end') endTrack(e.trackId, at, out);
      for (const [id, t] of lastSeen) if (at - t > c.lostAfterMs) endTrack(id, at, out);
      return out;
    },
    occupancy() {
      return Object.fromEntries(zones.map((z) => [z.cfg.name, z.occupancy()]));
    },
    lineCounts() {
      return Object.fromEntries(lines.map((l) => [l.cfg.name, l.count()]));
    },
    reset() {
      for (const z of zones) z.inside.clear();
      for (const id of [...lastSeen.keys()]) for (const l of lines) l.forget(id);
      lastSeen.clear();
    },
  };
}
