import { describe, expect, it } from 'vitest';
import { associate } from '../../src/tracking/association.js';
import { Track } from '../../src/tracking/track.js';
import { iouXyxy } from '../../src/tracking/box-xyah.js';
import { solveAssignment } from '../../src/tracking/linear-assignment.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import type { Detection } from '../../src/types.js';

describe('associate (x-sweep + sparse assignment)', () => {
  it('finds the same optimum as the dense all-pairs problem on crowded random scenes', () => {
    const rand = seededRandom(2024);
    const box = (): Detection['box'] => {
      const w = 0.01 + 0.15 * rand(); // widths vary a lot: the sweep must use the widest
      const h = 0.02 + 0.2 * rand();
      const x = rand() * (1 - w);
      const y = rand() * (1 - h);
      return [x, y, x + w, y + h];
    };
    for (let trial = 0; trial < 30; trial++) {
      const classes = 1 + Math.floor(rand() * 2);
      const tracks = Array.from({ length: 60 }, () => {
        const c = Math.floor(rand() * classes);
        return new Track({ box: box(), score: 0.9, classId: c, label: `c${c}` }, 0);
      });
      const dets: Detection[] = tracks.map((t) => {
        // Half the detections near a track, half anywhere.
        const b = rand() < 0.5 ? t.box.map((v) => v + (rand() - 0.5) * 0.02) : box();
        const c = Math.floor(rand() * classes);
        return { box: b as Detection['box'], score: 0.9, classId: c, label: `c${c}` };
      });
      for (const classAware of [true, false]) {
        const minIou = 0.2;
        const got = associate(tracks, dets, minIou, classAware);
        const cost = new Float64Array(tracks.length * dets.length);
        tracks.forEach((t, i) =>
          dets.forEach((d, j) => {
            const iou = classAware && d.classId !== t.classId ? 0 : iouXyxy(t.box, d.box);
            cost[i * dets.length + j] = iou > 0 && iou >= minIou ? 1 - iou : Infinity;
          }),
        );
        const want = solveAssignment(cost, tracks.length, dets.length, 1 - minIou);
        const total = (pairs: Array<[number, number]>): number => pairs.reduce((s, [i, j]) => s + cost[i * dets.length + j], 0);
        const gotPairs = got.matches.map(([t, d]) => [tracks.indexOf(t), dets.indexOf(d)] as [number, number]);
        expect(gotPairs.length).toBe(want.matches.length);
        expect(total(gotPairs)).toBeCloseTo(total(want.matches), 9);
        expect(got.unmatchedTracks.length + got.matches.length).toBe(tracks.length);
        expect(got.unmatchedDetections.length + got.matches.length).toBe(dets.length);
      }
    }
  });
});
