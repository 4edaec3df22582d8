/**
 * Tracking benchmark: `npm run bench -- tracking` (or `node --import tsx bench/tracking.ts`).
 * Prints one JSON object:
 *
 * - `speed`: tracker update time per frame with 10, 100 and 500 objects in view (plus the false
 *   positives of a noisy detector), ByteTrack and SORT — wall mean, median and p95 in ms after a
 *   JIT warm-up run, and CPU ms per frame. Target: 100 objects under 1 ms. `loadavg1m` is
 *   printed because on a busy machine the wall tail measures the scheduler, not the tracker.
 * - `accuracy`: MOTA, IDF1, ID switches ... of ByteTrack and SORT on the synthetic benchmark
 *   scene (30 objects, 300 frames, partial occlusions seen as low-score boxes, full occlusions,
 *   misses, false positives), scored by `src/eval/mot-metrics.ts`.
 *
 * Flags: `--frames N` (speed frames, default 150), `--seed N`.
 */
import { loadavg, cpus } from 'node:os';
import { createTracker } from '../src/tracking/tracker.js';
import { evaluateMot } from '../src/eval/mot-metrics.js';
import { randomObjects, renderScene, sceneGtRows, trackScene, type SceneObject } from '../src/eval/mot-synthetic.js';
import { seededRandom } from '../src/util/seeded-random.js';

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const frames = flag('frames', 150);
const seed = flag('seed', 1);
const warmup = 20;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** `n` objects alive for the whole run and slow enough to stay in view. */
function crowd(n: number): SceneObject[] {
  // Smaller boxes for bigger crowds, so 500 people fit in a frame the way they do in a wide shot.
  const scale = n >= 500 ? 0.35 : n >= 100 ? 0.6 : 1;
  return randomObjects(n, frames, seed + n).map((o) => ({
    ...o,
    from: 1,
    to: frames,
    vx: o.vx * 0.3,
    vy: o.vy * 0.3,
    w: o.w * scale,
    h: o.h * scale,
  }));
}

const speed: Record<string, unknown>[] = [];
for (const n of [10, 100, 500]) {
  const scene = renderScene(crowd(n), frames, 30, { seed, falsePositives: n * 0.02, missRate: 0.05 });
  const perFrame = scene.reduce((s, f) => s + f.detections.length, 0) / scene.length;
  for (const type of ['bytetrack', 'sort'] as const) {
    trackScene(createTracker({ type }), scene); // warm-up run: JIT-compile every path first
    const cpu0 = process.cpuUsage();
    const { updateMs, rows } = trackScene(createTracker({ type }), scene);
    const cpu = process.cpuUsage(cpu0);
    const t = updateMs.slice(warmup);
    speed.push({
      objects: n,
      tracker: type,
      detectionsPerFrame: Number(perFrame.toFixed(1)),
      tracksPerFrame: Number((rows.length / frames).toFixed(1)),
      meanMs: Number((t.reduce((a, b) => a + b, 0) / t.length).toFixed(4)),
      p50Ms: Number(quantile(t, 0.5).toFixed(4)),
      p95Ms: Number(quantile(t, 0.95).toFixed(4)),
      // CPU time of the whole run per frame: unlike wall time, not inflated when other
      // processes take the core (the wall p95 on a shared machine is mostly that).
      cpuMsPerFrame: Number(((cpu.user + cpu.system) / 1000 / frames).toFixed(4)),
    });
  }
}

// The accuracy scene: occlusions make the two trackers differ.
const accFrames = 300;
const rand = seededRandom(seed * 7919);
const objects = randomObjects(30, accFrames, seed).map((o) => {
  const span = o.to - o.from;
  const at = (): number => o.from + Math.floor(rand() * Math.max(1, span - 12));
  const weakStart = at();
  const hideStart = at();
  return {
    ...o,
    weak: rand() < 0.6 ? [[weakStart, weakStart + 10] as [number, number]] : undefined,
    hidden: rand() < 0.4 ? [[hideStart, hideStart + 4] as [number, number]] : undefined,
  };
});
const scene = renderScene(objects, accFrames, 30, { seed, falsePositives: 1, missRate: 0.05 });
const gt = sceneGtRows(scene);
const accuracy: Record<string, unknown> = {};
for (const type of ['bytetrack', 'sort'] as const) {
  const m = evaluateMot(gt, trackScene(createTracker({ type }), scene).rows);
  accuracy[type] = {
    mota: Number(m.mota.toFixed(4)),
    idf1: Number(m.idf1.toFixed(4)),
    motp: Number(m.motp.toFixed(4)),
    idSwitches: m.idSwitches,
    fragmentations: m.fragmentations,
    fp: m.fp,
    fn: m.fn,
    mostlyTracked: m.mostlyTracked,
    gtIds: m.numGtIds,
    trackIds: m.numHypIds,
  };
}

process.stdout.write(
  `${JSON.stringify({ bench: 'tracking', node: process.version, cpus: cpus().length, loadavg1m: Number(loadavg()[0].toFixed(2)), frames, seed, speed, accuracy: { scene: { objects: 30, frames: accFrames }, ...accuracy } }, null, 2)}\n`,
);
