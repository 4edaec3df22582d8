import { describe, expect, it } from 'vitest';
import { splitDataset, hashFraction, subsetDataset } from '../../src/training/data/split.js';
import { applyClassMap, parseClassMap } from '../../src/training/data/class-map.js';
import { datasetStats, formatStats } from '../../src/training/data/stats.js';
import type { Dataset, DatasetImage } from '../../src/training/data/dataset-format.js';
import { isSsdsError } from '../../src/errors.js';

function videoImages(video: string, frames: number, startId: number): DatasetImage[] {
  return Array.from({ length: frames }, (_, i) => ({ id: startId + i, file: `${video}/${i}.jpg`, width: 100, height: 100, video, frame: i }));
}

describe('splitDataset', () => {
  const images = [
    ...videoImages('a', 600, 0),
    ...videoImages('b', 90, 600),
    ...Array.from({ length: 200 }, (_, i) => ({ id: 1000 + i, file: `still/${i}.jpg`, width: 10, height: 10 })),
  ];

  it('is deterministic and never splits a segment of neighbouring frames', () => {
    const s1 = splitDataset({ images });
    const s2 = splitDataset({ images: [...images].reverse() });
    expect(s1).toEqual(s2);
    const val = new Set(s1.val);
    // Video a: 600 frames → segments of 60; each segment entirely on one side.
    for (let seg = 0; seg < 10; seg++) {
      const sides = new Set(Array.from({ length: 60 }, (_, k) => val.has(seg * 60 + k)));
      expect(sides.size).toBe(1);
    }
    // Every side change happens at a segment boundary, so only a few boundaries exist.
    let changes = 0;
    for (let f = 1; f < 600; f++) if (val.has(f) !== val.has(f - 1)) changes++;
    expect(changes).toBeLessThanOrEqual(9);
    expect(s1.train.length + s1.val.length).toBe(images.length);
  });

  it('gets close to the wanted fraction and changes with the seed', () => {
    const s = splitDataset({ images }, { valFraction: 0.25 });
    const videoVal = s.val.filter((id) => id < 1000).length;
    expect(videoVal / 690).toBeGreaterThan(0.15);
    expect(videoVal / 690).toBeLessThan(0.35);
    const stillVal = s.val.filter((id) => id >= 1000).length;
    expect(stillVal).toBeGreaterThan(25);
    expect(stillVal).toBeLessThan(75);
    expect(splitDataset({ images }, { valFraction: 0.25, seed: 'other' })).not.toEqual(s);
  });

  it('splits still images the same wherever the dataset lives, and never leaves val empty', () => {
    const stills = (dir: string, n: number) =>
      ({ images: Array.from({ length: n }, (_, i) => ({ id: i, file: `${dir}/images/p${i}.jpg`, width: 8, height: 8 })) }) as Pick<Dataset, 'images'>;
    const here = splitDataset(stills('/tmp/abc123', 40), { valFraction: 0.25 });
    const moved = splitDataset(stills('/home/me/data/lobby', 40), { valFraction: 0.25 });
    expect(moved).toEqual(here);
    for (let n = 2; n <= 6; n++) {
      for (const seed of ['a', 'b', 'c', 'd']) {
        const r = splitDataset(stills('/x', n), { valFraction: 0.1, seed });
        expect(r.val.length, `n=${n} seed=${seed}`).toBeGreaterThanOrEqual(1);
        expect(r.train.length + r.val.length).toBe(n);
      }
    }
    expect(splitDataset(stills('/x', 5), { valFraction: 0 }).val).toEqual([]);
  });

  it('respects a split given by the source', () => {
    const s = splitDataset({ images: [{ id: 1, file: 'x', width: 1, height: 1, split: 'val' }, { id: 2, file: 'y', width: 1, height: 1, split: 'train' }] }, { valFraction: 0 });
    expect(s).toEqual({ train: [2], val: [1] });
  });

  it('hashFraction is FNV-1a scaled to [0,1)', () => {
    // FNV-1a("a") = 0xe40c292c
    expect(hashFraction('a')).toBeCloseTo(0xe40c292c / 2 ** 32, 12);
  });
});

const ds: Dataset = {
  version: 1,
  dir: '/tmp',
  classes: ['person', 'car', 'truck', 'dog'],
  images: [
    { id: 0, file: 'a.jpg', width: 100, height: 100 },
    { id: 1, file: 'b.jpg', width: 100, height: 100 },
  ],
  annotations: [
    { imageId: 0, xyxyPx: [0, 0, 10, 20], classId: 0 },
    { imageId: 0, xyxyPx: [0, 0, 40, 40], classId: 1 },
    { imageId: 1, xyxyPx: [0, 0, 100, 50], classId: 2 },
    { imageId: 1, xyxyPx: [0, 0, 5, 5], classId: 3, ignore: true },
  ],
  ignoreRegions: [{ imageId: 1, xyxyPx: [50, 50, 60, 60] }],
};

describe('class map', () => {
  it('picks, renames and merges classes in the given order', () => {
    const out = applyClassMap(ds, parseClassMap('vehicle=car|Truck, person'));
    expect(out.classes).toEqual(['vehicle', 'person']);
    expect(out.annotations.map((a) => a.classId)).toEqual([1, 0, 0]);
  });
  it('names the unknown class and the ones available', () => {
    expect(() => applyClassMap(ds, parseClassMap('persn'))).toThrow(/"persn" is not in the dataset \(classes: person, car, truck, dog\)/);
    try {
      parseClassMap('a,a');
    } catch (e) {
      expect(isSsdsError(e, 'SSDS_ERR_CONFIG_INVALID')).toBe(true);
    }
  });
  it('subsetDataset keeps only the chosen images', () => {
    const sub = subsetDataset(ds, [1]);
    expect(sub.images.map((i) => i.id)).toEqual([1]);
    expect(sub.annotations).toHaveLength(2);
    expect(sub.ignoreRegions).toHaveLength(1);
  });
});

describe('datasetStats', () => {
  it('counts classes, sizes and aspects', () => {
    const s = datasetStats(ds);
    expect(s.perClass.map((c) => [c.name, c.boxes, c.images, c.ignored])).toEqual([
      ['person', 1, 1, 0],
      ['car', 1, 1, 0],
      ['truck', 1, 1, 0],
      ['dog', 0, 0, 1],
    ]);
    expect(s.cocoArea).toEqual({ small: 1, medium: 2, large: 0 }); // areas 200, 1600, 5000 px²
    // sqrt(200/1e4)=0.141, sqrt(1600/1e4)=0.4, sqrt(5000/1e4)=0.707
    expect(s.relativeSize.counts).toEqual([0, 0, 0, 1, 0, 1, 0, 1]);
    // log2 aspects: -1 (10x20), 0, 1 (100x50)
    expect(s.aspectLog2.counts).toEqual([0, 0, 0, 1, 0, 1, 0, 1, 0, 0]);
    const text = formatStats(s);
    expect(text).toMatch(/dog .* \(class 3 has no boxes\)/);
    expect(text).toMatch(/images 2 \(0 without boxes\), boxes 3, ignored boxes 1, ignore regions 1/);
  });
});
