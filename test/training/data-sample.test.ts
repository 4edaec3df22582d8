/**
 * The path the trainer takes: a COCO file from the synthetic generator → dataset → split →
 * decoded samples → augmentation at the model input → preview pictures.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAnyDataset } from '../../src/training/data/load-any.js';
import { createSampleLoader } from '../../src/training/data/sample-loader.js';
import { splitDataset } from '../../src/training/data/split.js';
import { augmentSample } from '../../src/training/augment/augment.js';
import { sampleRng } from '../../src/training/augment/rng.js';
import { writePreview } from '../../src/training/augment/preview.js';
import { writeSyntheticCoco, SYNTHETIC_CLASSES } from '../helpers/synthetic-detection.js';
import { openTrainingData } from '../../src/training/data/training-data.js';
import { tempDir } from './data-helpers.js';

describe('dataset → samples → augmentation', () => {
  it('loads synthetic COCO images as rgb24 samples with their boxes and augments them reproducibly', async () => {
    const dir = await tempDir('sample');
    const file = await writeSyntheticCoco(dir, { count: 6, width: 160, height: 120, seed: 4 });
    const { dataset, report } = await loadAnyDataset(file);
    expect(report.total).toBe(0);
    expect(dataset.classes).toEqual([...SYNTHETIC_CLASSES]);
    const split = splitDataset(dataset, { valFraction: 0.34 });
    expect(split.train.length + split.val.length).toBe(6);

    const load = createSampleLoader(dataset);
    const img = dataset.images[0];
    const s = await load(img);
    expect([s.image.width, s.image.height, s.image.data.length]).toEqual([160, 120, 160 * 120 * 3]);
    const anns = dataset.annotations.filter((a) => a.imageId === img.id);
    expect(s.classIds.length).toBe(anns.length);
    expect(Array.from(s.boxesXyxy.subarray(0, 4))).toEqual(anns[0].xyxyPx.map((v) => Math.fround(v)));

    // maxSide halves the picture and the boxes with it.
    const small = await createSampleLoader(dataset, { maxSide: 80 })(img);
    expect([small.image.width, small.image.height]).toEqual([80, 60]);
    expect(small.boxesXyxy[2]).toBeCloseTo(s.boxesXyxy[2] / 2, 4);

    const input = { width: 96, height: 96, resize: 'stretch' as const, padAlign: 'top-left' as const };
    const a = augmentSample(s, input, sampleRng(1, 0, img.id));
    const b = augmentSample(await load(img), input, sampleRng(1, 0, img.id));
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.boxesXyxy).toEqual(b.boxesXyxy);
    const files = await writePreview([a, augmentSample(s, input)], path.join(dir, 'preview'), dataset.classes);
    expect(files.every(existsSync)).toBe(true);
  });
});

describe('openTrainingData', () => {
  it('splits one dataset, or aligns a separate val set to the training classes', async () => {
    const dir = await tempDir('tdata');
    const file = await writeSyntheticCoco(path.join(dir, 'a'), { count: 10, width: 64, height: 48, seed: 1 });
    const td = await openTrainingData(file, { classes: 'square,disc', split: { valFraction: 0.3 } });
    expect(td.classes).toEqual(['square', 'disc']);
    expect(td.train.images.length + td.val.images.length).toBe(10);
    expect(td.val.images.length).toBeGreaterThan(0);
    const ids = new Set(td.val.images.map((i) => i.id));
    expect(td.train.images.some((i) => ids.has(i.id))).toBe(false);
    expect(td.val.dataset.annotations.every((a) => ids.has(a.imageId))).toBe(true);
    const s = await td.train.load(td.train.images[0]);
    expect(Array.from(s.classIds).every((c) => c === 0 || c === 1)).toBe(true);

    const valFile = await writeSyntheticCoco(path.join(dir, 'b'), { count: 3, width: 64, height: 48, seed: 2 });
    const two = await openTrainingData(file, { classes: 'triangle,disc', valData: valFile });
    expect(two.train.images).toHaveLength(10);
    expect(two.val.images).toHaveLength(3);
    expect(two.val.dataset.classes).toEqual(['triangle', 'disc']);
    const valBoxes = two.val.dataset.annotations;
    expect(valBoxes.every((a) => a.classId === 0 || a.classId === 1)).toBe(true);
  });
});
