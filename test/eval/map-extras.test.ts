import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { confusionSummary, formatConfusion } from '../../src/eval/confusion.js';
import { prCurveSvg, writePrCurves } from '../../src/eval/pr-curve.js';
import type { EvalSet } from '../../src/eval/eval-types.js';
import { tempDir } from '../training/data-helpers.js';

const box = (x: number, y: number, w: number, h: number): [number, number, number, number] => [x, y, x + w, y + h];

describe('confusionSummary', () => {
  it('sorts every detection and object into found, missed, mislabelled, duplicate, background', () => {
    const set: EvalSet = {
      classes: ['cat', 'dog'],
      imageIds: [1],
      groundTruth: [
        { imageId: 1, classId: 0, xyxy: box(0, 0, 10, 10) }, // found, plus a duplicate
        { imageId: 1, classId: 0, xyxy: box(100, 0, 10, 10) }, // detected as dog only
        { imageId: 1, classId: 1, xyxy: box(200, 0, 10, 10) }, // missed
        { imageId: 1, classId: 1, xyxy: box(300, 0, 10, 10), ignore: true }, // its detection is not counted
      ],
      detections: [
        { imageId: 1, classId: 0, xyxy: box(0, 0, 10, 10), score: 0.9 },
        { imageId: 1, classId: 0, xyxy: box(1, 0, 10, 10), score: 0.8 },
        { imageId: 1, classId: 1, xyxy: box(100, 0, 10, 10), score: 0.7 },
        { imageId: 1, classId: 1, xyxy: box(400, 400, 10, 10), score: 0.6 },
        { imageId: 1, classId: 1, xyxy: box(300, 0, 10, 10), score: 0.6 },
        { imageId: 1, classId: 0, xyxy: box(500, 500, 10, 10), score: 0.1 }, // below threshold
      ],
    };
    const s = confusionSummary(set);
    expect(s.perClass[0]).toMatchObject({ groundTruth: 2, truePositives: 1, missed: 1, mislabelled: 0, duplicates: 1, background: 0 });
    expect(s.perClass[1]).toMatchObject({ groundTruth: 1, truePositives: 0, missed: 1, mislabelled: 1, duplicates: 0, background: 1 });
    // rows: gt cat, gt dog, no object; cols: det cat, det dog, not detected
    expect(s.matrix).toEqual([
      [1, 1, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(formatConfusion(s)).toMatch(/total\s+3\s+1\s+2\s+1\s+1\s+1/);
  });
});

describe('PR curve pictures', () => {
  it('draws the envelope as steps and writes one PNG per class plus an overview', async () => {
    const curve = { name: 'cat <1>', recall: [0.5, 0.5, 1], precision: [1, 0.5, 2 / 3], ap: 0.8333 };
    const svg = prCurveSvg([curve], 't');
    expect(svg).toContain('cat &#60;1&#62; AP 83.3%');
    // Envelope: precision 1 up to recall 0.5, then 2/3 up to 1 (y = 394 − p·358 px).
    expect(svg).toMatch(/M56\.0,36\.0 H300\.0 V36\.0 V155\.3 H300\.0 V155\.3 V155\.3 H544\.0 V155\.3"/);
    const dir = await tempDir('pr');
    const files = await writePrCurves([curve, { name: 'dog', recall: [], precision: [], ap: NaN }], dir);
    expect(files.map((f) => path.basename(f))).toEqual(['pr-00-cat_1_.png', 'pr-01-dog.png', 'pr-all.png']);
    const meta = await sharp(files[0]).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 560, 440]);
  });
});
