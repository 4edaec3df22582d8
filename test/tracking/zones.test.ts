import { describe, expect, it } from 'vitest';
import { createZoneMonitor, type ZoneEvent } from '../../src/tracking/zones.js';
import { createTracker } from '../../src/tracking/tracker.js';
import { renderScene, type SceneObject } from '../../src/eval/mot-synthetic.js';
import { pointInPolygon, signedDistance } from '../../src/tracking/geometry.js';
import { isSsdsError, ErrorCodes } from '../../src/errors.js';
import type { Detection } from '../../src/types.js';

const clean = { jitter: 0.01, missRate: 0, falsePositives: 0, seed: 9 };
const obj = (o: Partial<SceneObject> & Pick<SceneObject, 'id' | 'cx' | 'cy'>): SceneObject => ({
  from: 1,
  to: 1000,
  vx: 0,
  vy: 0,
  w: 0.04,
  h: 0.12,
  ...o,
});

/** Runs scene → ByteTrack → zone monitor; returns all zone events and the monitor. */
function run(objects: SceneObject[], frames: number, cfg: Parameters<typeof createZoneMonitor>[0], noise = clean) {
  const scene = renderScene(objects, frames, 30, noise);
  const tracker = createTracker({});
  const zm = createZoneMonitor(cfg);
  const events: ZoneEvent[] = [];
  const snapshots: Array<ReturnType<typeof zm.occupancy>> = [];
  for (const f of scene) {
    const out = tracker.update(f.detections, f.timestampMs);
    events.push(...zm.update(out.detections, f.timestampMs, out.events));
    snapshots.push(zm.occupancy());
  }
  return { events, zm, snapshots };
}

describe('geometry', () => {
  it('point in polygon and signed side', () => {
    const sq = [[0.1, 0.6], [0.5, 0.6], [0.5, 0.9], [0.1, 0.9]] as const;
    expect(pointInPolygon([0.3, 0.7], sq)).toBe(true);
    expect(pointInPolygon([0.6, 0.7], sq)).toBe(false);
    expect(pointInPolygon([0.3, 0.5], sq)).toBe(false);
    // A concave "L": the notch is outside.
    const l = [[0, 0], [1, 0], [1, 0.4], [0.4, 0.4], [0.4, 1], [0, 1]] as const;
    expect(pointInPolygon([0.7, 0.7], l)).toBe(false);
    expect(pointInPolygon([0.2, 0.7], l)).toBe(true);
    expect(signedDistance([0.5, 0.6], [0.2, 0.5], [0.8, 0.5])).toBeCloseTo(0.1, 12); // below = right side
    expect(signedDistance([0.5, 0.4], [0.2, 0.5], [0.8, 0.5])).toBeCloseTo(-0.1, 12);
  });
});

describe('zones', () => {
  const crosswalk = { name: 'crosswalk', polygon: [[0.1, 0.6], [0.5, 0.6], [0.5, 0.9], [0.1, 0.9]] as [number, number][], classes: ['person'] };

  it('enter/exit counts, dwell and per-class occupancy are exact; classes filter; occlusion is no exit', () => {
    const { events, zm, snapshots } = run(
      [
        // Walks right through the crosswalk; bottom at y 0.74. Hidden 5 frames while inside.
        obj({ id: 1, cx: 0.02, cy: 0.68, vx: 0.01, hidden: [[25, 29]] }),
        // Stands inside the whole time.
        obj({ id: 2, cx: 0.3, cy: 0.7 }),
        // A car drives through: not a counted class.
        obj({ id: 3, cx: 0.05, cy: 0.72, vx: 0.012, w: 0.1, h: 0.08, classId: 3, label: 'car' }),
      ],
      80,
      { zones: [crosswalk, { name: 'all', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }] },
    );
    const cw = events.filter((e) => 'zone' in e && e.zone === 'crosswalk');
    expect(cw.map((e) => `${e.type}:${e.label}`).sort()).toEqual(['zone.enter:person', 'zone.enter:person', 'zone.exit:person']);
    const exit = cw.find((e) => e.type === 'zone.exit')!;
    expect(exit.type === 'zone.exit' && exit.reason).toBe('left');
    // Bottom centre x = 0.02 + 0.01 (f − 1): inside for frames 10..49 → dwell 39 frames ± jitter.
    if (exit.type === 'zone.exit') expect(Math.abs(exit.dwellMs - (39 * 1000) / 30)).toBeLessThanOrEqual(2 * (1000 / 30) + 1e-6);
    // Frame 30 (mid-walk, just after the occlusion): two persons in the crosswalk, the car only in "all".
    expect(snapshots[29].crosswalk).toMatchObject({ total: 2, byClass: { person: 2 } });
    expect(snapshots[29].all).toMatchObject({ total: 3, byClass: { person: 2, car: 1 } });
    expect(zm.occupancy().crosswalk).toMatchObject({ total: 1, byClass: { person: 1 } });
  });

  it('a track that vanishes exits with reason lost (after lostAfterMs, or at once on track.end)', () => {
    const zm = createZoneMonitor({ zones: [crosswalk], lostAfterMs: 500 });
    const d: Detection = { box: [0.25, 0.6, 0.3, 0.75], score: 0.9, classId: 1, label: 'person', trackId: 7 };
    expect(zm.update([d], 0).map((e) => e.type)).toEqual(['zone.enter']);
    zm.update([d], 100);
    expect(zm.update([], 400)).toEqual([]);
    const [ex] = zm.update([], 700);
    expect(ex).toMatchObject({ type: 'zone.exit', reason: 'lost', dwellMs: 100, trackId: 7, at: 700 });
    zm.update([{ ...d, trackId: 8 }], 800);
    const [ex2] = zm.update([], 833, [{ type: 'track.end', trackId: 8 }]);
    expect(ex2).toMatchObject({ type: 'zone.exit', reason: 'lost', trackId: 8 });
  });

  it('rejects bad config with CONFIG_INVALID naming the key', () => {
    try {
      createZoneMonitor({ zones: [{ name: 'z', polygon: [[0, 0], [1, 1]] }] });
      expect.unreachable();
    } catch (e) {
      expect(isSsdsError(e, ErrorCodes.CONFIG_INVALID)).toBe(true);
      expect((e as Error).message).toMatch(/^zones\.0\.polygon/);
    }
    expect(() => createZoneMonitor({ lines: [{ name: 'a', from: [0, 0], to: [0, 0] }] })).toThrow(/from ≠ to/);
  });
});

describe('lines', () => {
  const gate = { name: 'gate', from: [0.2, 0.5] as [number, number], to: [0.8, 0.5] as [number, number] };

  it('in/out counts are exact: down = in, up = out, outside the segment and jitter on it not counted', () => {
    const down = (id: number, cx: number, vy = 0.008): SceneObject => obj({ id, cx, cy: 0.2, vy });
    const up = (id: number, cx: number): SceneObject => obj({ id, cx, cy: 0.8, vy: -0.008 });
    const { events, zm } = run(
      [
        down(1, 0.3),
        down(2, 0.5, 0.01),
        down(3, 0.7, 0.006),
        up(4, 0.4),
        up(5, 0.6),
        down(6, 0.9), // crosses the extension of the line, not the gate
        obj({ id: 7, cx: 0.25, cy: 0.44 }), // stands with its feet on the line (bottom 0.5)
        obj({ id: 8, cx: 0.1, cy: 0.7, vx: 0.008, label: 'bicycle', classId: 2 }), // below, never crosses
      ],
      100,
      { lines: [gate] },
    );
    const crossings = events.filter((e) => e.type === 'line.cross');
    expect(zm.lineCounts().gate).toEqual({ in: 3, out: 2, byClass: { person: { in: 3, out: 2 } } });
    expect(crossings).toHaveLength(5);
  });

  it('back and forth counts both ways; a class filter ignores other labels', () => {
    const zm = createZoneMonitor({ lines: [{ ...gate, name: 'gate-cars', classes: ['car'] }, gate] });
    const at = (y: number, id: number, label = 'car'): Detection => ({ box: [0.45, y - 0.1, 0.5, y], score: 1, classId: 0, label, trackId: id });
    const seq = [0.45, 0.49, 0.52, 0.56, 0.51, 0.48, 0.44];
    const ev = seq.flatMap((y, i) => zm.update([at(y, 1), at(y, 2, 'person')], i * 33));
    expect(ev.filter((e) => e.type === 'line.cross').map((e) => `${(e as { line: string }).line}:${e.label}:${(e as { direction: string }).direction}`)).toEqual([
      'gate-cars:car:in',
      'gate:car:in',
      'gate:person:in',
      'gate-cars:car:out',
      'gate:car:out',
      'gate:person:out',
    ]);
    const c = zm.lineCounts();
    expect(c['gate-cars']).toEqual({ in: 1, out: 1, byClass: { car: { in: 1, out: 1 } } });
    expect(c.gate.byClass).toEqual({ car: { in: 1, out: 1 }, person: { in: 1, out: 1 } });
  });
});
