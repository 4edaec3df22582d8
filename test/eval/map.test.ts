import { describe, expect, it } from 'vitest';
import { vocApAllPoint, vocAp11Point, vocEvaluate } from '../../src/eval/voc-ap.js';
import { cocoEvaluate } from '../../src/eval/coco-eval.js';
import { evaluateMap, formatMapTable } from '../../src/eval/map.js';
import type { EvalDetection, EvalGroundTruth, EvalSet } from '../../src/eval/eval-types.js';

const box = (x: number, y: number, w: number, h: number): [number, number, number, number] => [x, y, x + w, y + h];

/**
 * One class, three objects on two images. In score order the detections are
 * TP, FP (nothing there), TP, FP (duplicate of the first), TP:
 *   recall    1/3 1/3 2/3 2/3 1
 *   precision 1   1/2 2/3 1/2 3/5
 */
function vocCase(): EvalSet {
  const gt: EvalGroundTruth[] = [
    { imageId: 1, classId: 0, xyxy: box(0, 0, 10, 10) },
    { imageId: 1, classId: 0, xyxy: box(50, 50, 10, 10) },
    { imageId: 2, classId: 0, xyxy: box(20, 20, 20, 20) },
    // Difficult: a detection on it counts for nothing.
    { imageId: 2, classId: 0, xyxy: box(80, 0, 10, 10), ignore: true },
  ];
  const det: EvalDetection[] = [
    { imageId: 1, classId: 0, xyxy: box(0, 0, 10, 9), score: 0.9 },
    { imageId: 1, classId: 0, xyxy: box(30, 30, 5, 5), score: 0.8 },
    { imageId: 2, classId: 0, xyxy: box(21, 21, 20, 20), score: 0.7 },
    { imageId: 1, classId: 0, xyxy: box(1, 0, 10, 10), score: 0.6 },
    { imageId: 1, classId: 0, xyxy: box(50, 50, 10, 10), score: 0.5 },
    { imageId: 2, classId: 0, xyxy: box(80, 0, 10, 10), score: 0.95 },
    // In the ignore region: not a false positive.
    { imageId: 2, classId: 0, xyxy: box(100, 100, 4, 4), score: 0.85 },
    // Not an evaluated image.
    { imageId: 3, classId: 0, xyxy: box(0, 0, 4, 4), score: 0.99 },
  ];
  return { classes: ['thing'], imageIds: [1, 2], groundTruth: gt, detections: det, ignoreRegions: [{ imageId: 2, xyxy: box(90, 90, 30, 30) }] };
}

describe('VOC AP', () => {
  it('matches the hand-worked precision/recall and both interpolations', () => {
    const [r] = vocEvaluate(vocCase());
    expect(r.numGt).toBe(3);
    expect(Array.from(r.recall)).toEqual([1 / 3, 1 / 3, 2 / 3, 2 / 3, 1]);
    expect(Array.from(r.precision).map((v) => +v.toFixed(6))).toEqual([1, 0.5, +(2 / 3).toFixed(6), 0.5, 0.6]);
    // All-point: 1/3·1 + 1/3·(2/3) + 1/3·0.6 = 0.755556
    expect(r.ap).toBeCloseTo(1 / 3 + 2 / 9 + 0.2, 10);
    // 11-point: t = 0..0.3 → 1 (4 points), 0.4..0.6 → 2/3 (3), 0.7..1 → 0.6 (4): 8.4 / 11
    expect(r.ap11).toBeCloseTo(8.4 / 11, 10);
  });

  it('interpolation helpers on edge cases', () => {
    expect(vocApAllPoint([], [])).toBe(0);
    expect(vocApAllPoint([1], [1])).toBe(1);
    expect(vocApAllPoint([0.5, 0.5], [1, 0.5])).toBe(0.5);
    expect(vocAp11Point([0.5], [1])).toBeCloseTo(6 / 11, 12);
  });

  it('a detection of the wrong class does not count for the right one', () => {
    const set = vocCase();
    const res = vocEvaluate({ ...set, classes: ['thing', 'other'], detections: set.detections.map((d) => ({ ...d, classId: 1 })) });
    expect(res[0].ap).toBe(0);
    expect(Number.isNaN(res[1].ap)).toBe(true);
  });
});

describe('COCO mAP', () => {
  it('one object found at IoU 0.9: AP = 9/10 (matched at .50..0.90, missed at .95), small only', () => {
    const r = cocoEvaluate({
      classes: ['a'],
      imageIds: [1],
      groundTruth: [{ imageId: 1, classId: 0, xyxy: box(0, 0, 10, 10) }],
      detections: [{ imageId: 1, classId: 0, xyxy: box(0, 0, 10, 9), score: 0.9 }],
    });
    expect(r.map).toBeCloseTo(0.9, 12);
    expect(r.map50).toBeCloseTo(1, 12); // tp / (tp + eps), as pycocotools
    expect(r.map75).toBeCloseTo(1, 12);
    expect(r.mapSmall).toBeCloseTo(0.9, 12);
    expect(r.mapMedium).toBe(-1);
    expect(r.mapLarge).toBe(-1);
    expect(r.mar).toBeCloseTo(0.9, 12);
  });

  it('half recall: 51 of the 101 recall points have precision 1', () => {
    const r = cocoEvaluate({
      classes: ['a', 'b'],
      imageIds: [1],
      groundTruth: [
        { imageId: 1, classId: 0, xyxy: box(0, 0, 50, 50) },
        { imageId: 1, classId: 0, xyxy: box(100, 100, 50, 50) },
      ],
      detections: [
        { imageId: 1, classId: 0, xyxy: box(0, 0, 50, 50), score: 0.9 },
        { imageId: 1, classId: 0, xyxy: box(200, 0, 50, 50), score: 0.8 },
        // Class b has no ground truth: its AP is -1 and it is left out of the mean.
        { imageId: 1, classId: 1, xyxy: box(0, 0, 5, 5), score: 0.8 },
      ],
    });
    expect(r.perClass[0].ap).toBeCloseTo(51 / 101, 12);
    expect(r.perClass[1].ap).toBe(-1);
    expect(r.map).toBeCloseTo(51 / 101, 12);
    expect(r.mapMedium).toBeCloseTo(51 / 101, 12);
  });

  it('crowd regions swallow any number of detections; ignore regions act as crowd', () => {
    const base = {
      classes: ['p'],
      imageIds: [1],
      detections: [0.9, 0.8, 0.7].map((s, i) => ({ imageId: 1, classId: 0, xyxy: box(10 + i * 20, 10, 15, 15), score: s })).concat([
        { imageId: 1, classId: 0, xyxy: box(200, 200, 10, 10), score: 0.6 },
      ]),
    };
    const crowd = cocoEvaluate({
      ...base,
      groundTruth: [
        { imageId: 1, classId: 0, xyxy: box(0, 0, 100, 100), crowd: true },
        { imageId: 1, classId: 0, xyxy: box(200, 200, 10, 10) },
      ],
    });
    expect(crowd.map).toBeCloseTo(1, 12);
    const region = cocoEvaluate({ ...base, groundTruth: [{ imageId: 1, classId: 0, xyxy: box(200, 200, 10, 10) }], ignoreRegions: [{ imageId: 1, xyxy: box(0, 0, 100, 100) }] });
    expect(region.map).toBeCloseTo(1, 12);
    const none = cocoEvaluate({ ...base, groundTruth: [{ imageId: 1, classId: 0, xyxy: box(200, 200, 10, 10) }] });
    // Three false positives above the true one: precision 1/4 at recall 1 everywhere.
    expect(none.map).toBeCloseTo(0.25, 12);
  });

  it('keeps only maxDets detections per image and class', () => {
    const dets = Array.from({ length: 100 }, (_, i) => ({ imageId: 1, classId: 0, xyxy: box(500 + i, 0, 10, 10), score: 1 - i / 1000 }));
    dets.push({ imageId: 1, classId: 0, xyxy: box(0, 0, 10, 10), score: 0.5 });
    const set = { classes: ['a'], imageIds: [1], groundTruth: [{ imageId: 1, classId: 0, xyxy: box(0, 0, 10, 10) }], detections: dets };
    expect(cocoEvaluate(set).map).toBe(0);
    expect(cocoEvaluate(set, { maxDets: 101 }).map).toBeCloseTo(1 / 101, 12);
  });

  it('a match to an ignored object is kept only when no real object is left', () => {
    // Det overlaps a real object at IoU 0.6 and an ignored (difficult) one at 0.9: matched to the
    // real one at thresholds ≤ 0.6, to the ignored one (→ ignored) above.
    const r = cocoEvaluate({
      classes: ['a'],
      imageIds: [1],
      groundTruth: [
        { imageId: 1, classId: 0, xyxy: box(0, 0, 100, 60) },
        { imageId: 1, classId: 0, xyxy: box(0, 0, 100, 90), ignore: true },
      ],
      detections: [{ imageId: 1, classId: 0, xyxy: box(0, 0, 100, 100), score: 0.9 }],
    });
    // Thresholds .50 .55 .60 → TP (AP 1); .65….95 → the det is ignored, nothing found (AP 0).
    expect(r.map).toBeCloseTo(3 / 10, 12);
  });
});

describe('evaluateMap', () => {
  it('combines VOC and COCO per class and prints a table', () => {
    const { report } = evaluateMap(vocCase());
    expect(report.map50).toBeCloseTo(0.755556, 5);
    expect(report.map50Voc07).toBeCloseTo(8.4 / 11, 10);
    expect(report.perClass[0]).toMatchObject({ name: 'thing', numGt: 3, numDet: 5 });
    expect(report.map).toBeGreaterThan(0);
    expect(report.map).toBeLessThan(report.cocoMap50);
    const table = formatMapTable(report);
    expect(table).toMatch(/thing\s+3\s+5\s+75\.6\s+76\.4/);
  });
});
