/** `dataset import / stats / split / frames` and `anchors fit` through the real CLI. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeImage } from './data-helpers.js';
import { pythonHas, syntheticModel } from '../inference/model-fixtures.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/ssd-stream.js');
const env = { ...process.env, SSDS_FROM_SOURCE: '1' };
const run = (...args: string[]) => spawnSync('node', [BIN, ...args], { encoding: 'utf8', env });

describe('dataset and anchors commands', () => {
  it('imports YOLO with a class map, reports bad rows, then stats, split and anchors fit', async () => {
    const root = await tempDir('cli-yolo');
    for (let i = 0; i < 6; i++) {
      await writeImage(path.join(root, 'images', `f${i}.jpg`), 200, 100);
      await mkdir(path.join(root, 'labels'), { recursive: true });
      // Class 0 tall, class 1 wide; file 0 has a broken row.
      const rows = ['0 0.2 0.5 0.1 0.6', '1 0.7 0.5 0.4 0.2', ...(i === 0 ? ['1 0.5 0.5'] : [])];
      await writeFile(path.join(root, 'labels', `f${i}.txt`), `${rows.join('\n')}\n`);
    }
    await writeFile(path.join(root, 'classes.txt'), 'person\ncar\n');
    const out = path.join(root, 'ds');
    const imp = run('dataset', 'import', '--format', 'yolo', root, '--classes', 'vehicle=car', '--out', out);
    expect(imp.status).toBe(0);
    expect(imp.stderr).toMatch(/labels\/f0\.txt:3: bad-row/);
    expect(imp.stderr).toMatch(/import: 1 skipped \(1 bad-row\), 6 boxes of unselected classes dropped/);
    expect(imp.stdout).toMatch(/6 images, 6 boxes, classes vehicle/);
    const ds = JSON.parse(await readFile(path.join(out, 'dataset.json'), 'utf8')) as { classes: string[]; images: { file: string }[] };
    expect(ds.classes).toEqual(['vehicle']);
    expect(ds.images[0].file).toBe('../images/f0.jpg');

    const stats = JSON.parse(execFileSync('node', [BIN, 'dataset', 'stats', out, '--json'], { encoding: 'utf8', env })) as { boxes: number; perClass: { name: string; boxes: number }[] };
    expect(stats.perClass).toEqual([{ name: 'vehicle', boxes: 6, ignored: 0, images: 6 }]);
    const text = run('dataset', 'stats', root);
    expect(text.stdout).toMatch(/person\s+6\s+6\s+0/);

    const split = run('dataset', 'split', out, '--val-fraction', '0.5', '--write');
    expect(split.stdout).toMatch(/train: \d images, \d boxes\nval: {3}\d images/);
    const written = JSON.parse(await readFile(path.join(out, 'dataset.json'), 'utf8')) as { images: { split?: string }[] };
    expect(written.images.every((i) => i.split === 'train' || i.split === 'val')).toBe(true);

    const fit = JSON.parse(execFileSync('node', [BIN, 'anchors', 'fit', root, '--k', '2', '--input', '300x300', '--json'], { encoding: 'utf8', env })) as {
      anchors: { type: string; featureMaps: number[][]; aspectRatios: number[][] };
      clusters: { width: number; height: number; boxes: number }[];
    };
    expect(fit.anchors.type).toBe('ssd');
    expect(fit.anchors.featureMaps).toEqual([[19, 19], [10, 10], [5, 5], [3, 3], [2, 2], [1, 1]]);
    expect(fit.clusters.map((c) => [+c.width.toFixed(2), +c.height.toFixed(2), c.boxes])).toEqual([[0.1, 0.6, 6], [0.4, 0.2, 6]]);
    if (pythonHas('onnx', 'numpy')) {
      // The feature maps and input of a real model's embedded spec (2x2 map, 48x64 input).
      const m = JSON.parse(execFileSync('node', [BIN, 'anchors', 'fit', out, '--spec', syntheticModel('ssd-stream'), '--json'], { encoding: 'utf8', env })) as typeof fit;
      expect(m.anchors.featureMaps).toEqual([[2, 2]]);
      expect(+m.clusters[0].width.toFixed(2)).toBe(0.4);
    }
    const yaml = run('anchors', 'fit', out);
    expect(yaml.stdout).toMatch(/^anchors:\n {2}type: ssd\n {2}featureMaps: \[ \[ 19, 19 \]/m);
  });

  it('reports a bad option naming it, with the config error code', () => {
    const r = run('dataset', 'import', '--format', 'labelme', 'x', '--out', 'y');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--format: "labelme" is not one of coco, voc, yolo, cvat-video, mot \[SSDS_ERR_CONFIG_INVALID\]/);
  });
});
