/**
 * Detector on real torchvision exports of SSDlite320 MobileNetV3 (seeded random weights, made by
 * test/fixtures/models/torchvision_ssdlite.py with python3-torchvision): the raw heads with a
 * sidecar spec, and torchvision's own post-processed export. Both must give what torchvision's
 * eager model (transform, heads, `postprocess_detections`) gives on the same pictures with the
 * same thresholds: same labels, boxes and scores within 1e-3.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector, type DetectResult } from '../../src/inference/detector.js';
import {
  makePicture,
  pythonHas,
  torchvisionModels,
  torchvisionReference,
  type ReferenceDetection,
} from './model-fixtures.js';

const hasTorch = pythonHas('torch', 'torchvision', 'onnx');
if (!hasTorch) console.warn('skipping torchvision inference tests: python3 with torch, torchvision and onnx not found');

const SIZE = 320;
const TOL = 1e-3;

/**
 * Every reference detection has a match (same label, box and score within TOL) and vice versa.
 * Matching by content rather than position: two detections of equal score may swap places
 * between ONNX Runtime and PyTorch.
 */
function expectSameDetections(got: DetectResult, ref: ReferenceDetection[]): void {
  expect(got.detections.length).toBe(ref.length);
  const used = new Set<number>();
  for (const r of ref) {
    const j = got.detections.findIndex(
      (d, k) =>
        !used.has(k) &&
        d.classId === r.label &&
        Math.abs(d.score - r.score) < TOL &&
        d.box.every((v, i) => Math.abs(v - r.box[i]) < TOL),
    );
    expect(j, `reference ${JSON.stringify(r)} has no match`).toBeGreaterThanOrEqual(0);
    used.add(j);
  }
}

describe.skipIf(!hasTorch)('torchvision SSDlite320 exports', () => {
  let dir: string;
  let pictures: Uint8Array[];
  let reference: ReferenceDetection[][];

  beforeAll(() => {
    dir = torchvisionModels();
    pictures = [31, 32, 33, 34].map((s, i) => makePicture(SIZE, SIZE, s, 0.4 + 0.1 * i));
    reference = torchvisionReference(dir, pictures, SIZE, SIZE);
  }, 300_000);

  it('the reference has real detections to compare (random weights with spread logits)', () => {
    for (const r of reference) {
      expect(r.length).toBeGreaterThan(5);
      expect(r.length).toBeLessThan(300); // under the cap: no cut between near-equal scores
    }
  });

  describe('raw heads + sidecar', () => {
    let det: Detector;
    beforeAll(async () => {
      det = await Detector.create({ model: join(dir, 'ssdlite320-raw.onnx'), executionProvider: 'cpu' });
    });
    afterAll(() => det?.close());

    it('is recognised with the sidecar spec', () => {
      expect(det.adapter).toBe('torchvision-raw');
      expect(det.spec.anchors.type).toBe('torchvision');
      expect(det.spec.input).toMatchObject({ width: SIZE, height: SIZE, format: 'float32-nchw', mean: [0.5, 0.5, 0.5] });
      expect(det.spec.labels).toHaveLength(91);
      expect(det.spec.postprocess).toMatchObject({ scoreThreshold: 0.8, iouThreshold: 0.55, preNmsTopK: 300, maxDetections: 300 });
    });

    it('batch 1 matches torchvision eager', async () => {
      for (let i = 0; i < pictures.length; i++) {
        const [r] = await det.detect([{ data: pictures[i].slice(), sourceWidth: SIZE, sourceHeight: SIZE }]);
        expectSameDetections(r, reference[i]);
      }
    });

    it('batch 4 matches torchvision eager', async () => {
      const rs = await det.detect(pictures.map((p) => ({ data: p.slice(), sourceWidth: SIZE, sourceHeight: SIZE })));
      rs.forEach((r, i) => expectSameDetections(r, reference[i]));
    });
  });

  describe('post-processed export', () => {
    let det: Detector;
    beforeAll(async () => {
      // The graph caps at torchvision's detections_per_img (300); the project default is 100.
      det = await Detector.create({
        model: join(dir, 'ssdlite320-post.onnx'),
        executionProvider: 'cpu',
        postprocess: { maxDetections: 300 },
      });
    });
    afterAll(() => det?.close());

    it('is recognised, one picture per run', () => {
      expect(det.adapter).toBe('torchvision-postprocessed');
      expect(det.maxBatch).toBe(1);
      expect(det.spec.input).toMatchObject({ width: SIZE, height: SIZE, format: 'float32-nchw', mean: [0, 0, 0] });
    });

    it('batches of 1 and 4 (split per picture) match torchvision eager', async () => {
      const [one] = await det.detect([{ data: pictures[0].slice(), sourceWidth: SIZE, sourceHeight: SIZE }]);
      expectSameDetections(one, reference[0]);
      const rs = await det.detect(pictures.map((p) => ({ data: p.slice(), sourceWidth: SIZE, sourceHeight: SIZE })));
      rs.forEach((r, i) => expectSameDetections(r, reference[i]));
    });
  });
});
