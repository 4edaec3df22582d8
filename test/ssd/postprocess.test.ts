import { describe, expect, it } from 'vitest';
import { selectDetections, type SelectOptions } from '../../src/ssd/postprocess.js';
import { hasTorchvision, maxAbsDiff, torchRef } from './torch-ref.js';

const base: SelectOptions = {
  scoreThreshold: 0.5,
  iouThreshold: 0.45,
  preNmsTopK: 400,
  maxDetections: 100,
  nms: 'hard',
  softSigma: 0.5,
  backgroundIndex: 0,
  numClasses: 3,
};

// Anchor boxes: 1 is the top half of 0 (IoU 0.5); 2 is apart from both.
const boxes = new Float32Array([0, 0, 0.4, 0.4, 0, 0, 0.4, 0.2, 0.6, 0.6, 0.9, 0.9]);
// (A=3, C=3): background, person, car.
const scores = new Float32Array([
  0.1, 0.8, 0.1, // anchor 0: person 0.8
  0.05, 0.6, 0.35, // anchor 1: person 0.6 (overlaps anchor 0)
  0.2, 0.15, 0.65, // anchor 2: car 0.65
]);

describe('selectDetections, hand-worked', () => {
  it('runs NMS within each class, skips background, sorts by score', () => {
    const r = selectDetections(boxes, scores, base);
    expect(r.count).toBe(2);
    expect([...r.classes]).toEqual([1, 2]);
    expect([...r.scores]).toEqual([...new Float32Array([0.8, 0.65])]);
    expect([...r.boxes]).toEqual([...boxes.subarray(0, 4), ...boxes.subarray(8, 12)]);
  });

  it('does not suppress across classes', () => {
    // Anchor 1 as a car overlapping the person at anchor 0 survives.
    const s = scores.slice();
    s[4] = 0.1;
    s[5] = 0.7;
    const r = selectDetections(boxes, s, base);
    expect([...r.classes]).toEqual([1, 2, 2]);
    expect(r.count).toBe(3);
  });

  it('honours backgroundIndex null, preNmsTopK, maxDetections and thresholds', () => {
    const all = selectDetections(boxes, scores, { ...base, backgroundIndex: null, scoreThreshold: 0.19 });
    expect([...all.classes]).toContain(0); // column 0 is a class now (anchor 2 scores 0.2)
    expect(selectDetections(boxes, scores, { ...base, maxDetections: 1 }).count).toBe(1);
    // Top-1 per class: person keeps anchor 0 only; without NMS suppressing there is nothing else.
    const top1 = selectDetections(boxes, scores, { ...base, preNmsTopK: 1, iouThreshold: 0.9 });
    expect([...top1.scores]).toEqual([...new Float32Array([0.8, 0.65])]);
    const loose = selectDetections(boxes, scores, { ...base, iouThreshold: 0.9 });
    expect(loose.count).toBe(3);
    expect(selectDetections(boxes, scores, { ...base, scoreThreshold: 0.9 }).count).toBe(0);
  });

  it('passes the NMS variant through (soft-gaussian keeps the overlapped box, decayed)', () => {
    const r = selectDetections(boxes, scores, { ...base, nms: 'soft-gaussian', scoreThreshold: 0.3 });
    expect(r.count).toBe(4); // person 0.8, car 0.65, person 0.6*exp(-0.5)=0.364, car 0.35
    expect(r.scores[2]).toBeCloseTo(0.6 * Math.exp(-0.25 / 0.5), 5);
  });

  it('rejects scores whose size does not match anchors x classes', () => {
    expect(() => selectDetections(boxes, scores.subarray(0, 6), base)).toThrow(/anchors 3 x classes 3/);
  });
});

interface SelectRef {
  anchors: number;
  classes: number;
  boxes: number[];
  scores: number[];
  scoreThreshold: number;
  iouThreshold: number;
  preNmsTopK: number;
  maxDetections: number;
  outBoxes: number[];
  outScores: number[];
  outClasses: number[];
}

describe.skipIf(!hasTorchvision)('selectDetections vs torchvision SSD.postprocess_detections', () => {
  it('selects the same detections on random scores', () => {
    const ref = torchRef<SelectRef>('select');
    const r = selectDetections(new Float32Array(ref.boxes), new Float32Array(ref.scores), {
      ...base,
      scoreThreshold: ref.scoreThreshold,
      iouThreshold: ref.iouThreshold,
      preNmsTopK: ref.preNmsTopK,
      maxDetections: ref.maxDetections,
      numClasses: ref.classes,
    });
    expect(ref.outClasses.length).toBe(ref.maxDetections); // the cap really applies
    expect(r.count).toBe(ref.outClasses.length);
    expect([...r.classes]).toEqual(ref.outClasses);
    expect(maxAbsDiff(r.scores, ref.outScores)).toBe(0);
    expect(maxAbsDiff(r.boxes, ref.outBoxes)).toBe(0);
  });
});
