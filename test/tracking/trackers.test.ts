import { describe, expect, it } from 'vitest';
import { createTracker } from '../../src/tracking/tracker.js';
import { evaluateMot } from '../../src/eval/mot-metrics.js';
import { renderScene, randomObjects, sceneGtRows, trackScene, type SceneObject } from '../../src/eval/mot-synthetic.js';
import { isSsdsError, ErrorCodes } from '../../src/errors.js';
import type { Detection } from '../../src/types.js';
import { solveAssignment } from '../../src/tracking/linear-assignment.js';
import { iouXyxy } from '../../src/tracking/box-xyah.js';

const clean = { jitter: 0.01, missRate: 0, falsePositives: 0, seed: 3 };
const person = (o: Partial<SceneObject> & Pick<SceneObject, 'id' | 'cx' | 'cy' | 'vx'>): SceneObject => ({
  from: 1,
  to: 200,
  vy: 0,
  w: 0.05,
  h: 0.15,
  ...o,
});

/**
 * Ids the tracker gave to each gt object over its life: per frame, gt and output boxes are paired
 * one-to-one maximising total IoU over pairs with IoU ≥ 0.5 (so an overlapping neighbour's box
 * does not count as this object's).
 */
function idsPerObject(scene: ReturnType<typeof renderScene>, rows: ReturnType<typeof trackScene>['rows']) {
  const gt = sceneGtRows(scene);
  const ids = new Map<number, Set<number>>();
  for (const f of scene) {
    const g = gt.filter((r) => r.frame === f.frame);
    const h = rows.filter((r) => r.frame === f.frame);
    const xyxy = (b: number[]) => [b[0], b[1], b[0] + b[2], b[1] + b[3]];
    const cost = new Float64Array(g.length * h.length);
    g.forEach((a, i) =>
      h.forEach((b, j) => {
        const iou = iouXyxy(xyxy(a.box), xyxy(b.box));
        cost[i * h.length + j] = iou >= 0.5 ? -iou : Infinity;
      }),
    );
    for (const [i, j] of solveAssignment(cost, g.length, h.length, 0).matches) {
      (ids.get(g[i].id) ?? ids.set(g[i].id, new Set()).get(g[i].id)!).add(h[j].id);
    }
  }
  return ids;
}

describe.each(['bytetrack', 'sort'] as const)('%s on synthetic scenes', (type) => {
  it('no ID switch when two objects with different velocities cross', () => {
    const objs = [
      person({ id: 1, cx: 0.2, cy: 0.5, vx: 0.008 }),
      person({ id: 2, cx: 0.8, cy: 0.52, vx: -0.004 }),
    ];
    const scene = renderScene(objs, 80, 30, clean);
    const { rows } = trackScene(createTracker({ type }), scene);
    const m = evaluateMot(sceneGtRows(scene), rows);
    expect(m.idSwitches).toBe(0);
    const ids = idsPerObject(scene, rows);
    expect(ids.get(1)!.size).toBe(1);
    expect(ids.get(2)!.size).toBe(1);
    expect([...ids.get(1)!][0]).not.toBe([...ids.get(2)!][0]);
    expect(m.mota).toBeGreaterThan(0.95);
  });

  it('keeps the ID through a 5-frame occlusion behind another object', () => {
    // Object 1 walks right behind object 2, which is nearer the camera (larger, lower in the
    // picture), and is not detected for the 5 frames in which the boxes overlap most.
    const objs = [
      person({ id: 1, cx: 0.3, cy: 0.5, vx: 0.006, hidden: [[28, 32]] }),
      person({ id: 2, cx: 0.6, cy: 0.53, vx: -0.004, w: 0.07, h: 0.21 }),
    ];
    const scene = renderScene(objs, 70, 30, clean);
    // Sanity: the occlusion is where the two boxes overlap.
    const f30 = scene[29].gt;
    expect(Math.abs(f30[0].box[0] - f30[1].box[0])).toBeLessThan(0.05);
    const { rows, events } = trackScene(createTracker({ type }), scene);
    const ids = idsPerObject(scene, rows);
    expect(ids.get(1)!.size).toBe(1);
    expect(ids.get(2)!.size).toBe(1);
    const id1 = [...ids.get(1)!][0];
    // It was lost during the occlusion and came back with the same ID, never ended.
    expect(events.filter((e) => e.trackId === id1).map((e) => e.type)).toEqual(['track.new', 'track.lost']);
    expect(evaluateMot(sceneGtRows(scene), rows).idSwitches).toBe(0);
  });

  it('leave and re-enter: a short absence keeps the ID; one beyond the buffer ends the track', () => {
    const objs = [
      person({ id: 1, cx: 0.3, cy: 0.3, vx: 0.002, to: 120, hidden: [[20, 29]] }), // 10 frames < buffer
      person({ id: 2, cx: 0.7, cy: 0.7, vx: 0, to: 40 }), // leaves at frame 40
      person({ id: 3, cx: 0.7, cy: 0.7, vx: 0, from: 90, to: 120 }), // same place, 50 frames later
    ];
    const scene = renderScene(objs, 120, 30, clean);
    const { rows, events } = trackScene(createTracker({ type, buffer: 30, frameRate: 30 }), scene);
    const ids = idsPerObject(scene, rows);
    expect(ids.get(1)!.size).toBe(1);
    const id2 = [...ids.get(2)!][0];
    const id3 = [...ids.get(3)!][0];
    expect(id3).not.toBe(id2);
    const end2 = events.find((e) => e.trackId === id2 && e.type === 'track.end')!;
    expect(end2).toBeDefined();
    // Last seen at frame 40; ended once more than 30 frames (1 s) had passed.
    expect(end2.lastSeen).toBeCloseTo((39 * 1000) / 30, 6);
    expect(end2.at - end2.lastSeen).toBeGreaterThan(1000);
    expect(end2.at - end2.lastSeen).toBeLessThanOrEqual(1000 + 1000 / 30 + 1e-6);
    const new2 = events.find((e) => e.trackId === id2 && e.type === 'track.new')!;
    expect(new2.firstSeen).toBe(0);
    expect(new2.at).toBeCloseTo(1000 / 30, 6); // confirmed on its second detection
  });

  it('stays accurate with noise, misses and false positives', () => {
    const scene = renderScene(randomObjects(15, 150, 11), 150, 30, { seed: 5 });
    const { rows } = trackScene(createTracker({ type }), scene);
    const m = evaluateMot(sceneGtRows(scene), rows);
    expect(m.mota).toBeGreaterThan(0.75);
    expect(m.idf1).toBeGreaterThan(0.75);
    expect(m.idSwitches).toBeLessThanOrEqual(5);
  });

  it('is time-aware: a 4-frame gap advances the prediction by 4 frames', () => {
    // 0.01/frame with a 0.05-wide box: one step would predict 0.03 behind after the gap (IoU 0.25).
    const scene = renderScene([person({ id: 1, cx: 0.2, cy: 0.5, vx: 0.01 })], 40, 30, { ...clean, jitter: 0 });
    const keep = (f: number): boolean => f <= 15 || f % 4 === 0;
    const { rows } = trackScene(createTracker({ type, matchIou: 0.6, outputBox: 'filtered' }), scene, keep);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set([1]));
    expect(rows.at(-1)!.frame).toBe(40);
  });
});

describe('tracker details', () => {
  const det = (box: Detection['box'], classId: number, label: string, score = 0.9): Detection => ({ box, score, classId, label });

  it('labels a track by majority over its life', () => {
    const t = createTracker({ classAware: false });
    let out: Detection[] = [];
    for (let i = 0; i < 10; i++) {
      const cls = i % 3 === 2 ? [2, 'bicycle'] : [1, 'person'];
      out = t.update([det([0.1 + i * 0.001, 0.1, 0.2 + i * 0.001, 0.4], cls[0] as number, cls[1] as string)], i * 33).detections;
    }
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ label: 'person', classId: 1, trackId: 1 });
  });

  it('class-aware association keeps overlapping objects of different classes apart', () => {
    const t = createTracker({ classAware: true });
    const seen = new Map<string, Set<number>>();
    for (let i = 0; i < 20; i++) {
      // A person walks across a parked car: their boxes overlap heavily from frame ~5.
      const px = 0.05 + i * 0.01;
      const out = t.update([det([px, 0.3, px + 0.1, 0.5], 1, 'person'), det([0.15, 0.32, 0.27, 0.5], 3, 'car')], i * 33);
      for (const d of out.detections) (seen.get(d.label) ?? seen.set(d.label, new Set()).get(d.label)!).add(d.trackId!);
    }
    expect(seen.get('person')!.size).toBe(1);
    expect(seen.get('car')!.size).toBe(1);
  });

  it('ByteTrack keeps a track alive on low-score boxes where SORT loses it', () => {
    const objs = [person({ id: 1, cx: 0.3, cy: 0.5, vx: 0.004, weak: [[20, 30]] })];
    const scene = renderScene(objs, 50, 30, { ...clean, weakScore: [0.2, 0.4] });
    const bt = trackScene(createTracker({ type: 'bytetrack' }), scene);
    const sort = trackScene(createTracker({ type: 'sort' }), scene);
    expect(bt.events.map((e) => e.type)).toEqual(['track.new']);
    expect(sort.events.map((e) => e.type)).toContain('track.lost');
    expect(bt.rows.filter((r) => r.frame >= 20 && r.frame <= 30)).toHaveLength(11);
    expect(sort.rows.filter((r) => r.frame >= 20 && r.frame <= 30)).toHaveLength(0);
  });

  it.each(['bytetrack', 'sort'] as const)('%s ignores unusable boxes (NaN, empty) instead of poisoning a track', (type) => {
    const t = createTracker({ type, minHits: 1 });
    t.update([det([0.1, 0.1, 0.2, 0.3], 1, 'p')], 0);
    const out = t.update([det([NaN, 0.1, 0.2, 0.3], 1, 'p'), det([0.5, 0.5, 0.5, 0.6], 1, 'p'), det([0.1, 0.1, 0.2, 0.3], 1, 'p')], 33);
    expect(out.detections).toHaveLength(1);
    expect(out.detections[0].box.every(Number.isFinite)).toBe(true);
  });

  it('reset forgets tracks but never reuses IDs; bad config fails with CONFIG_INVALID', () => {
    const t = createTracker({ minHits: 1 });
    expect(t.update([det([0, 0, 0.1, 0.1], 1, 'p')], 0).detections[0].trackId).toBe(1);
    t.reset();
    expect(t.update([det([0.5, 0.5, 0.6, 0.6], 1, 'p')], 10).detections[0].trackId).toBe(2);
    try {
      createTracker({ highThresh: 2 });
      expect.unreachable();
    } catch (e) {
      expect(isSsdsError(e, ErrorCodes.CONFIG_INVALID)).toBe(true);
      expect((e as Error).message).toContain('tracker.highThresh');
    }
    expect(() => createTracker({ bogus: 1 } as never)).toThrow(/tracker/);
  });
});
