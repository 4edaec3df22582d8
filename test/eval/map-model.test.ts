/**
 * `eval` end to end: a real ONNX model (the synthetic ssd-stream layout of
 * test/fixtures/models/synthetic_layouts.py, whose detections are known constants for a black
 * picture) run by the Detector over a dataset folder, and the CLI scoring a COCO results file.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectOnDataset, groundTruthSet, prepareInput } from '../../src/eval/dataset-eval.js';
import { evaluateMap } from '../../src/eval/map.js';
import { saveDataset, loadDataset } from '../../src/training/data/dataset-io.js';
import type { Dataset } from '../../src/training/data/dataset-format.js';
import { pythonHas, syntheticModel, syntheticConstants } from '../inference/model-fixtures.js';
import { tempDir, writeImage } from '../training/data-helpers.js';

const W = 96;
const H = 128;
const BIN = path.resolve(import.meta.dirname, '../../bin/ssd-stream.js');

/** A black 96x128 picture with a cat at SS_BOXES[0] and [3] and a dog at SS_BOXES[2]. */
async function makeDataset(boxes: number[][]): Promise<Dataset> {
  const dir = await tempDir('evalds');
  await writeImage(path.join(dir, 'images', 'black.png'), W, H, [0, 0, 0]);
  const px = (b: number[]): [number, number, number, number] => [b[0] * W, b[1] * H, b[2] * W, b[3] * H];
  await saveDataset(
    {
      version: 1,
      dir,
      classes: ['cat', 'dog'],
      images: [{ id: 5, file: 'images/black.png', width: W, height: H }],
      annotations: [
        { imageId: 5, classId: 0, xyxyPx: px(boxes[0]) },
        { imageId: 5, classId: 1, xyxyPx: px(boxes[2]) },
        { imageId: 5, classId: 0, xyxyPx: px(boxes[3]) },
      ],
      ignoreRegions: [],
    },
    dir,
  );
  return loadDataset(dir);
}

describe.skipIf(!pythonHas('onnx', 'numpy'))('eval with a real model (python3-onnx)', () => {
  it('prepareInput pads like the spec says', async () => {
    const dir = await tempDir('prep');
    await writeImage(path.join(dir, 'a.png'), 100, 50, [255, 255, 255]);
    const r = await prepareInput(path.join(dir, 'a.png'), { width: 40, height: 40, resize: 'pad', padAlign: 'top-left' });
    expect([r.sourceWidth, r.sourceHeight, r.data.length]).toEqual([100, 50, 40 * 40 * 3]);
    expect(r.data[0]).toBe(255); // picture at the top
    expect(r.data[(39 * 40 + 39) * 3]).toBe(0); // black bar at the bottom
  });

  it('runs the model over the dataset and scores the known detections', async () => {
    const c = syntheticConstants().ssdStream;
    const ds = await makeDataset(c.boxes);
    const run = await detectOnDataset(syntheticModel('ssd-stream'), ds, [5]);
    expect(run.missingClasses).toEqual([]);
    // Black picture: cat at box 0 (0.60) and dog at box 2 (0.40) are the top detections, in pixels.
    const top = [...run.detections].sort((a, b) => b.score - a.score).slice(0, 2);
    expect(top.map((d) => [d.classId, +d.score.toFixed(2)])).toEqual([[0, 0.6], [1, 0.4]]);
    expect(Array.from(top[0].xyxy).map((v) => +v.toFixed(3))).toEqual(c.boxes[0].map((v, i) => +(v * (i % 2 ? H : W)).toFixed(3)));
    const { report } = evaluateMap({ ...groundTruthSet(ds), detections: run.detections });
    // cat: box0 .60 TP, box2 .10 FP, box3 .05 TP → AP = 1/2·1 + 1/2·2/3; dog: box2 .40 TP first → AP 1.
    expect(report.perClass[0].ap50).toBeCloseTo(0.5 + 1 / 3, 6);
    expect(report.perClass[1].ap50).toBeCloseTo(1, 6);
    expect(report.map50).toBeCloseTo((0.5 + 1 / 3 + 1) / 2, 6);
  });
});

describe('eval CLI on a COCO results file', () => {
  it('prints one JSON object with map50, map, perClass and confusion; writes PR curves', async () => {
    const ds = await makeDataset([[0.1, 0.1, 0.5, 0.5], [], [0.6, 0.2, 0.9, 0.7], [0, 0.8, 0.2, 1]]);
    const results = path.join(ds.dir, 'results.json');
    // COCO results: category_id = classId + 1 for non-COCO ground truth, bbox xywh pixels.
    await writeFile(
      results,
      JSON.stringify([
        { image_id: 5, category_id: 1, bbox: [9.6, 12.8, 38.4, 51.2], score: 0.9 },
        { image_id: 5, category_id: 1, bbox: [60, 60, 10, 10], score: 0.8 },
        { image_id: 5, category_id: 2, bbox: [57.6, 25.6, 28.8, 64], score: 0.7 },
        { image_id: 99, category_id: 2, bbox: [0, 0, 1, 1], score: 0.7 },
      ]),
    );
    const curves = path.join(ds.dir, 'curves');
    const out = execFileSync('node', [BIN, 'eval', '--detections', results, '--data', ds.dir, '--json', '--curves', curves], { encoding: 'utf8', env: { ...process.env, SSDS_FROM_SOURCE: '1' } });
    const r = JSON.parse(out) as { map50: number; map: number; perClass: { name: string; ap50: number }[]; confusion: { totals: { background: number; missed: number } }; unknownImage: number; curves: string[] };
    // cat: TP then FP, one of two cats found → AP 0.5; dog: found → 1.
    expect(r.perClass.map((c) => [c.name, c.ap50])).toEqual([['cat', 0.5], ['dog', 1]]);
    expect(r.map50).toBeCloseTo(0.75, 12);
    expect(r.confusion.totals).toMatchObject({ background: 1, missed: 1 });
    expect(r.unknownImage).toBe(1);
    expect(r.curves.map((f) => path.basename(f))).toEqual(['pr-00-cat.png', 'pr-01-dog.png', 'pr-all.png']);
  });
});
