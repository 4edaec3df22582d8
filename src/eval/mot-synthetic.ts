/**
 * Synthetic multi-object scenes with known ground truth, for tracker tests and the tracking
 * benchmark: objects moving at constant velocity, hidden for chosen frames (occlusion), leaving
 * and re-entering, seen through a noisy detector (box jitter, misses, false positives, low-score
 * boxes while partly occluded). Deterministic for a given seed.
 */
import type { Detection } from '../types.js';
import type { MotRow } from './mot.js';
import type { Tracker, TrackEvent } from '../tracking/tracker.js';
import { seededRandom } from '../util/seeded-random.js';

/** One ground-truth object; positions normalised, velocity per frame. */
export interface SceneObject {
  id: number;
  classId?: number;
  label?: string;
  /** First and last frame (inclusive, 1-based) in which the object exists. */
  from: number;
  to: number;
  /** Centre at frame `from`, and its velocity per frame. */
  cx: number;
  cy: number;
  vx: number;
  vy: number;
  w: number;
  h: number;
  /** Frame ranges (inclusive) in which the detector does not see the object at all. */
  hidden?: Array<[number, number]>;
  /** Frame ranges in which it is seen only with a low score (partly occluded). */
  weak?: Array<[number, number]>;
}

/** Detector imperfections. */
export interface DetectorNoise {
  /** Box jitter std, × box size. */
  jitter: number;
  /** Probability that a visible object is missed. */
  missRate: number;
  /** Expected false positives per frame (random boxes). */
  falsePositives: number;
  /** Score range of normal detections and of weak (partly occluded) ones. */
  score: [number, number];
  weakScore: [number, number];
  seed: number;
}

/** Defaults: a decent detector. */
export const defaultDetectorNoise: Readonly<DetectorNoise> = Object.freeze({
  jitter: 0.03, // × box size
  missRate: 0.05,
  falsePositives: 0.5, // per frame
  score: [0.65, 0.95] as [number, number],
  weakScore: [0.15, 0.45] as [number, number],
  seed: 1,
});

/** One frame of a scene. */
export interface SceneFrame {
  frame: number;
  /** ms since the start at `fps`. */
  timestampMs: number;
  /** Ground-truth boxes, xyxy normalised. */
  gt: Array<{ id: number; box: [number, number, number, number] }>;
  detections: Detection[];
}


function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const inRanges = (f: number, r?: Array<[number, number]>): boolean => !!r?.some(([a, b]) => f >= a && f <= b);

/**
 * Renders `objects` over frames `1..frames` through a detector with `noise`. Objects are ground
 * truth only while their box centre is inside the frame.
 */
export function renderScene(
  objects: SceneObject[],
  frames: number,
  fps = 30,
  noise: Partial<DetectorNoise> = {},
): SceneFrame[] {
  const nz = { ...defaultDetectorNoise, ...noise };
  const rand = seededRandom(nz.seed);
  const uniform = ([lo, hi]: [number, number]): number => lo + (hi - lo) * rand();
  const out: SceneFrame[] = [];
  for (let f = 1; f <= frames; f++) {
    const frame: SceneFrame = { frame: f, timestampMs: ((f - 1) * 1000) / fps, gt: [], detections: [] };
    for (const o of objects) {
      if (f < o.from || f > o.to) continue;
      const cx = o.cx + o.vx * (f - o.from);
      const cy = o.cy + o.vy * (f - o.from);
      if (cx < 0 || cx > 1 || cy < 0 || cy > 1) continue;
      frame.gt.push({ id: o.id, box: [cx - o.w / 2, cy - o.h / 2, cx + o.w / 2, cy + o.h / 2] });
      if (inRanges(f, o.hidden) || rand() < nz.missRate) continue;
      const jx = gaussian(rand) * nz.jitter * o.w;
      const jy = gaussian(rand) * nz.jitter * o.h;
      const jw = gaussian(rand) * nz.jitter * o.w;
      const jh = gaussian(rand) * nz.jitter * o.h;
      const w = o.w + jw;
      const h = o.h + jh;
      frame.detections.push({
        box: [cx + jx - w / 2, cy + jy - h / 2, cx + jx + w / 2, cy + jy + h / 2],
        score: uniform(inRanges(f, o.weak) ? nz.weakScore : nz.score),
        classId: o.classId ?? 0,
        label: o.label ?? 'person',
      });
    }
    // False positives: floor(rate) per frame plus one more with the fractional rate as chance.
    let fp = Math.floor(nz.falsePositives) + (rand() < nz.falsePositives % 1 ? 1 : 0);
    while (fp-- > 0) {
      const w = 0.02 + 0.06 * rand();
      const h = 0.04 + 0.12 * rand();
      const x = rand() * (1 - w);
      const y = rand() * (1 - h);
      frame.detections.push({ box: [x, y, x + w, y + h], score: uniform([0.1, 0.7]), classId: 0, label: 'person' });
    }
    out.push(frame);
  }
  return out;
}

/**
 * `n` objects with random sizes, places and velocities, each alive for a random span; for the
 * benchmark and for statistical tests.
 */
export function randomObjects(n: number, frames: number, seed = 7): SceneObject[] {
  const rand = seededRandom(seed);
  const objs: SceneObject[] = [];
  for (let i = 0; i < n; i++) {
    const from = 1 + Math.floor(rand() * frames * 0.3);
    const h = 0.05 + 0.1 * rand();
    objs.push({
      id: i + 1,
      from,
      to: Math.min(frames, from + Math.floor(frames * (0.4 + 0.6 * rand()))),
      cx: 0.1 + 0.8 * rand(),
      cy: 0.1 + 0.8 * rand(),
      vx: (rand() - 0.5) * 0.01,
      vy: (rand() - 0.5) * 0.005,
      w: h * (0.35 + 0.2 * rand()),
      h,
    });
  }
  return objs;
}

/** Ground truth of a scene as MOTChallenge rows in pixels of a `width`×`height` frame. */
export function sceneGtRows(scene: SceneFrame[], width = 1920, height = 1080): MotRow[] {
  return scene.flatMap((f) =>
    f.gt.map((g) => ({
      frame: f.frame,
      id: g.id,
      box: [g.box[0] * width, g.box[1] * height, (g.box[2] - g.box[0]) * width, (g.box[3] - g.box[1]) * height],
      conf: 1,
      classId: 1,
      visibility: 1,
    })),
  );
}

/** Result of {@link trackScene}. */
export interface TrackedScene {
  /** Tracker output as MOTChallenge rows in the same pixel frame as {@link sceneGtRows}. */
  rows: MotRow[];
  events: TrackEvent[];
  /** Per-update wall time, ms. */
  updateMs: number[];
}

/**
 * Runs `tracker` over `scene` (all frames, or those `keep` accepts — to simulate skipped frames)
 * and collects its output as MOT rows.
 */
export function trackScene(
  tracker: Tracker,
  scene: SceneFrame[],
  keep: (frame: number) => boolean = () => true,
  width = 1920,
  height = 1080,
): TrackedScene {
  const rows: MotRow[] = [];
  const events: TrackEvent[] = [];
  const updateMs: number[] = [];
  for (const f of scene) {
    if (!keep(f.frame)) continue;
    const t0 = performance.now();
    const out = tracker.update(f.detections, f.timestampMs);
    updateMs.push(performance.now() - t0);
    events.push(...out.events);
    for (const d of out.detections) {
      const [x1, y1, x2, y2] = d.box;
      rows.push({ frame: f.frame, id: d.trackId ?? -1, box: [x1 * width, y1 * height, (x2 - x1) * width, (y2 - y1) * height], conf: d.score });
    }
  }
  return { rows, events, updateMs };
}
