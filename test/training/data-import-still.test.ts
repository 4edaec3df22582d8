import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCoco } from '../../src/training/data/import-coco.js';
import { importVoc } from '../../src/training/data/import-voc.js';
import { importYolo } from '../../src/training/data/import-yolo.js';
import { loadAnyDataset, detectFormat } from '../../src/training/data/load-any.js';
import { loadDataset, saveDataset } from '../../src/training/data/dataset-io.js';
import { isSsdsError } from '../../src/errors.js';
import { tempDir, writeImage } from './data-helpers.js';

describe('COCO importer', () => {
  it('reads boxes, maps sparse category ids, reports bad entries with their line', async () => {
    const dir = await tempDir('coco');
    await writeImage(path.join(dir, 'a.jpg'), 100, 80);
    await writeImage(path.join(dir, 'b.png'), 50, 40);
    // Pretty-printed as pycocotools/CVAT write it: one entry per line block.
    const json = `{
  "images": [
    {"id": 7, "file_name": "a.jpg", "width": 100, "height": 80},
    {"id": 8, "file_name": "b.png", "width": 50, "height": 40},
    {"id": 9, "file_name": "missing.jpg", "width": 10, "height": 10}
  ],
  "annotations": [
    {"id": 1, "image_id": 7, "category_id": 18, "bbox": [10, 20, 30, 40], "iscrowd": 0},
    {"id": 2, "image_id": 7, "category_id": 1, "bbox": [0, 0, 100, 80], "iscrowd": 1},
    {"id": 3, "image_id": 8, "category_id": 99, "bbox": [1, 1, 5, 5], "iscrowd": 0},
    {"id": 4, "image_id": 8, "category_id": 1,
     "bbox": [200, 200, 10, 10], "iscrowd": 0},
    {"id": 5, "image_id": 9, "category_id": 1, "bbox": [1, 1, 2, 2]},
    {"id": 6, "image_id": 8, "category_id": 1, "bbox": [45, 30, 8, 12]}
  ],
  "categories": [{"id": 18, "name": "dog"}, {"id": 1, "name": "person"}]
}`;
    const file = path.join(dir, 'instances.json');
    await writeFile(file, json);
    const { dataset, report } = await importCoco(file);
    expect(dataset.classes).toEqual(['person', 'dog']);
    expect(dataset.images.map((i) => path.basename(i.file))).toEqual(['a.jpg', 'b.png']);
    const a = dataset.annotations;
    expect(a).toHaveLength(3);
    expect(a[0]).toMatchObject({ imageId: 7, classId: 1, xyxyPx: [10, 20, 40, 60] }); // COCO ids kept
    expect(a[1]).toMatchObject({ imageId: 7, classId: 0, ignore: true });
    expect(dataset.sourceClassIds).toEqual([1, 18]);
    // [45,30,53,42] on a 50x40 image: mostly inside, clipped to [45,30,50,40].
    expect(a[2].xyxyPx).toEqual([45, 30, 50, 40]);
    expect(report.clipped).toBe(1);
    expect(report.counts).toEqual({ 'missing-file': 1, 'unknown-class': 1, 'box-outside-image': 1 });
    const byKind = Object.fromEntries(report.issues.map((i) => [i.kind, i]));
    expect(byKind['missing-file'].line).toBe(5);
    expect(byKind['unknown-class'].line).toBe(10);
    expect(byKind['box-outside-image'].line).toBe(11);
    expect(byKind['box-outside-image'].where).toBe('annotations[3]');
    expect(report.format()[0]).toMatch(/instances\.json:5: missing-file/);
  });

  it('resolves file names against --images instead of the JSON folder', async () => {
    const dir = await tempDir('coco-img');
    await writeImage(path.join(dir, 'pics', 'a.jpg'), 30, 30);
    const file = path.join(dir, 'ann', 'i.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ images: [{ id: 1, file_name: 'a.jpg' }], annotations: [], categories: [{ id: 1, name: 'x' }] }));
    const miss = await importCoco(file);
    expect(miss.report.counts['missing-file']).toBe(1);
    const ok = await importCoco(file, { imagesDir: path.join(dir, 'pics') });
    // width/height absent in the JSON: read from the image header.
    expect(ok.dataset.images[0]).toMatchObject({ width: 30, height: 30 });
  });

  it('rejects a file that is not COCO with a dataset error', async () => {
    const dir = await tempDir('coco-bad');
    await writeFile(path.join(dir, 'x.json'), '{"foo": 1}');
    await expect(importCoco(path.join(dir, 'x.json'))).rejects.toSatisfy((e) => isSsdsError(e, 'SSDS_ERR_DATASET_INVALID'));
  });
});

describe('VOC importer', () => {
  it('reads a VOC folder, 1-based pixel boxes, difficult as ignore, bad boxes with line', async () => {
    const root = await tempDir('voc');
    await writeImage(path.join(root, 'JPEGImages', '000001.jpg'), 200, 100);
    const xml = `<?xml version="1.0"?>
<annotation>
  <folder>VOC2007</folder>
  <filename>000001.jpg</filename>
  <size><width>200</width><height>100</height><depth>3</depth></size>
  <object>
    <name>car</name>
    <difficult>0</difficult>
    <bndbox><xmin>11</xmin><ymin>21</ymin><xmax>60</xmax><ymax>80</ymax></bndbox>
  </object>
  <object>
    <name>person</name>
    <difficult>1</difficult>
    <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>10</ymax></bndbox>
  </object>
  <object>
    <name>car</name>
    <bndbox>
      <xmin>150</xmin><ymin>90</ymin><xmax>140</xmax><ymax>95</ymax>
    </bndbox>
  </object>
</annotation>
`;
    await mkdir(path.join(root, 'Annotations'));
    await writeFile(path.join(root, 'Annotations', '000001.xml'), xml);
    await writeFile(path.join(root, 'Annotations', '000002.xml'), '<annotation><filename>nope.jpg</filename></annotation>');
    await writeFile(path.join(root, 'Annotations', '000003.xml'), '<annotation><object></annotation>');
    const { dataset, report } = await importVoc(root);
    expect(dataset.classes).toEqual(['car', 'person']);
    expect(dataset.annotations).toEqual([
      { imageId: 0, xyxyPx: [10, 20, 60, 80], classId: 0 },
      { imageId: 0, xyxyPx: [0, 0, 10, 10], classId: 1, ignore: true },
    ]);
    expect(report.counts).toEqual({ 'empty-box': 1, 'missing-file': 1, 'bad-image': 1 });
    const empty = report.issues.find((i) => i.kind === 'empty-box')!;
    expect(empty.line).toBe(18);
    expect(empty.file).toMatch(/000001\.xml$/);
    const broken = report.issues.find((i) => i.kind === 'bad-image')!;
    expect(broken.message).toMatch(/000003\.xml:1: malformed XML/);
    expect(await detectFormat(root)).toBe('voc');
  });
});

describe('YOLO importer', () => {
  it('reads data.yaml names and train/val folders, reports bad rows by line', async () => {
    const root = await tempDir('yolo');
    await writeImage(path.join(root, 'images', 'train', 'a.jpg'), 100, 50);
    await writeImage(path.join(root, 'images', 'val', 'b.jpg'), 40, 40);
    await mkdir(path.join(root, 'labels', 'train'), { recursive: true });
    await writeFile(path.join(root, 'labels', 'train', 'a.txt'), '0 0.5 0.5 0.2 0.4\n1 0.1 0.1 0.1\n5 0.5 0.5 0.1 0.1\n1 0.1 0.2 0.3 0.2 0.3 0.4\n');
    await writeFile(path.join(root, 'data.yaml'), 'path: .\ntrain: images/train\nval: images/val\nnames:\n  0: person\n  1: car\n');
    const { dataset, report } = await importYolo(root);
    expect(dataset.classes).toEqual(['person', 'car']);
    expect(dataset.images.map((i) => [path.basename(i.file), i.split])).toEqual([
      ['a.jpg', 'train'],
      ['b.jpg', 'val'],
    ]);
    expect(dataset.annotations).toHaveLength(2);
    expect(dataset.annotations[0].xyxyPx.map((v) => +v.toFixed(6))).toEqual([40, 15, 60, 35]);
    // The polygon row (x 0.1..0.3, y 0.2..0.4) becomes its bounding box.
    expect(dataset.annotations[1].xyxyPx.map((v) => +v.toFixed(6))).toEqual([10, 10, 30, 20]);
    expect(report.issues.map((i) => [i.kind, i.line])).toEqual([
      ['bad-row', 2],
      ['unknown-class', 3],
    ]);
    const loaded = await loadAnyDataset(path.join(root, 'data.yaml'), { classes: 'car' });
    expect(loaded.dataset.classes).toEqual(['car']);
    expect(loaded.dataset.annotations).toHaveLength(1);
    expect(loaded.report.droppedByClassMap).toBe(1);
  });

  it('accepts a flat folder with classes.txt and round-trips through dataset.json', async () => {
    const root = await tempDir('yolo-flat');
    await writeImage(path.join(root, 'x.png'), 20, 10);
    await writeFile(path.join(root, 'x.txt'), '0 0.5 0.5 1 1\n');
    await writeFile(path.join(root, 'classes.txt'), 'thing\n');
    const { dataset } = await loadAnyDataset(root);
    expect(dataset.annotations[0].xyxyPx).toEqual([0, 0, 20, 10]);
    const out = await tempDir('yolo-out');
    await saveDataset(dataset, out);
    const again = await loadDataset(out);
    expect(again.images[0].file).toBe(path.relative(out, path.join(root, 'x.png')));
    expect(again.annotations).toEqual(dataset.annotations);
    expect(await detectFormat(out)).toBe('dataset');
  });
});

describe('CVAT for images importer', () => {
  it('reads <image> boxes and polygons; ignore attribute and DontCare label', async () => {
    const dir = await tempDir('cvat-img');
    await writeImage(path.join(dir, 'imgs', 'p1.png'), 100, 100);
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <image id="0" name="p1.png" width="100" height="100">
    <box label="car" occluded="1" xtl="10" ytl="10" xbr="30" ybr="20" z_order="0"></box>
    <box label="car" occluded="0" xtl="40" ytl="40" xbr="50" ybr="60" z_order="0">
      <attribute name="ignore">true</attribute>
    </box>
    <polygon label="person" occluded="0" points="60.0,10.0;80.0,15.0;70.0,40.0" z_order="0"></polygon>
    <box label="DontCare" occluded="0" xtl="0" ytl="80" xbr="100" ybr="100" z_order="0"></box>
  </image>
  <image id="1" name="gone.png" width="10" height="10"></image>
</annotations>
`;
    await writeFile(path.join(dir, 'ann.xml'), xml);
    const { dataset, report } = await loadAnyDataset(path.join(dir, 'ann.xml'), { imagesDir: path.join(dir, 'imgs') });
    expect(dataset.classes).toEqual(['car', 'person']);
    expect(dataset.annotations).toEqual([
      { imageId: 0, xyxyPx: [10, 10, 30, 20], classId: 0, occluded: true },
      { imageId: 0, xyxyPx: [40, 40, 50, 60], classId: 0, ignore: true },
      { imageId: 0, xyxyPx: [60, 10, 80, 40], classId: 1 },
    ]);
    expect(dataset.ignoreRegions).toEqual([{ imageId: 0, xyxyPx: [0, 80, 100, 100] }]);
    expect(report.issues.map((i) => [i.kind, i.line])).toEqual([['missing-file', 12]]);
  });
});
