/**
 * Cross-check of src/eval against an independent numpy implementation
 * (test/fixtures/ref/det_eval_ref.py) on random detection sets with crowds, difficult objects,
 * duplicates, all three area ranges and score ties.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cocoEvaluate } from '../../src/eval/coco-eval.js';
import { vocEvaluate } from '../../src/eval/voc-ap.js';
import type { EvalDetection, EvalGroundTruth, EvalSet } from '../../src/eval/eval-types.js';
import { createRng } from '../../src/training/augment/rng.js';

const PY = '/usr/bin/python3';
const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const REF = path.resolve(import.meta.dirname, '../fixtures/ref/det_eval_ref.py');

function randomSet(seed: number): EvalSet {
  const rng = createRng(seed);
  const classes = ['a', 'b', 'c'];
  const imageIds = [1, 2, 3, 4, 5, 6];
  const gt: EvalGroundTruth[] = [];
  const dt: EvalDetection[] = [];
  for (const img of imageIds) {
    const n = rng.int(6);
    for (let i = 0; i < n; i++) {
      // Sizes from 10 px (small) to 200 px (large).
      const s = 10 + rng.next() ** 2 * 190;
      const x = rng.uniform(0, 400);
      const y = rng.uniform(0, 400);
      const g: EvalGroundTruth = { imageId: img, classId: rng.int(3), xyxy: [x, y, x + s * rng.uniform(0.5, 1.5), y + s] };
      if (rng.chance(0.1)) g.ignore = true;
      if (rng.chance(0.05)) g.crowd = true;
      gt.push(g);
      // 0-2 detections near each object, jittered, sometimes of another class.
      const k = rng.int(3);
      for (let j = 0; j < k; j++) {
        const jit = (v: number) => v + rng.uniform(-0.15, 0.15) * s;
        dt.push({
          imageId: img,
          classId: rng.chance(0.8) ? g.classId : rng.int(3),
          xyxy: [jit(g.xyxy[0] as number), jit(g.xyxy[1] as number), jit(g.xyxy[2] as number), jit(g.xyxy[3] as number)],
          // Scores on a 0.05 grid so ties happen.
          score: Math.round(rng.next() * 20) / 20,
        });
      }
    }
    for (let f = rng.int(4); f > 0; f--) {
      const x = rng.uniform(0, 500);
      const y = rng.uniform(0, 500);
      const s = rng.uniform(8, 120);
      dt.push({ imageId: img, classId: rng.int(3), xyxy: [x, y, x + s, y + s], score: Math.round(rng.next() * 20) / 20 });
    }
  }
  return { classes, imageIds, groundTruth: gt, detections: dt };
}

describe.skipIf(!hasNumpy)('mAP against the numpy reference (python3 + numpy)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`random set ${seed}`, () => {
      const set = randomSet(seed);
      const input = JSON.stringify({ classes: set.classes, imageIds: set.imageIds, gt: set.groundTruth, dt: set.detections });
      const ref = JSON.parse(execFileSync(PY, [REF], { input, encoding: 'utf8' })) as {
        voc: ([number, number] | null)[];
        coco: { map: number; map50: number; map75: number; small: number; medium: number; large: number; perClass: number[] };
      };
      const voc = vocEvaluate(set);
      voc.forEach((c, k) => {
        if (ref.voc[k] === null) expect(c.numGt).toBe(0);
        else {
          expect(c.ap).toBeCloseTo(ref.voc[k]![0], 9);
          expect(c.ap11).toBeCloseTo(ref.voc[k]![1], 9);
        }
      });
      const coco = cocoEvaluate(set);
      expect(coco.map).toBeCloseTo(ref.coco.map, 9);
      expect(coco.map50).toBeCloseTo(ref.coco.map50, 9);
      expect(coco.map75).toBeCloseTo(ref.coco.map75, 9);
      expect(coco.mapSmall).toBeCloseTo(ref.coco.small, 9);
      expect(coco.mapMedium).toBeCloseTo(ref.coco.medium, 9);
      expect(coco.mapLarge).toBeCloseTo(ref.coco.large, 9);
      coco.perClass.forEach((c, k) => expect(c.ap).toBeCloseTo(ref.coco.perClass[k], 9));
      // The sets are not trivial: some AP strictly between 0 and 1.
      expect(coco.map).toBeGreaterThan(0.05);
      expect(coco.map).toBeLessThan(0.95);
    });
  }
});
