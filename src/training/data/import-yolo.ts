/**
 * YOLO txt: one `<image>.txt` per image with rows `class cx cy w h`, all normalised to [0,1]
 * (cxcywh); a polygon row (`class x1 y1 x2 y2 ...`, YOLO segmentation) is reduced to its bounding
 * box. Class names come from `data.yaml` (`names:` list or id map), `classes.txt` or `obj.names`.
 * Labels are found the Ultralytics way (`.../images/...` → `.../labels/...`) or beside the image.
 * With a `data.yaml`, its `train`/`val` folders set each image's split.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SsdsError, ErrorCodes } from '../../errors.js';
import { DatasetBuilder } from './dataset-builder.js';
import type { Dataset, DatasetImage } from './dataset-format.js';
import { ImportReport } from './import-report.js';
import { readImageSize } from './image-size.js';
import type { ImageImportOptions } from './import-coco.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff']);

/** Lists image files under `dir`, recursively, sorted for a stable order. */
async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'labels') await walk(p);
      } else if (IMAGE_EXT.has(path.extname(e.name).toLowerCase())) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/** The label file of an image: `images/` → `labels/` in the path, else beside the image. */
function labelFileFor(image: string): string {
  const stem = image.slice(0, image.length - path.extname(image).length);
  const parts = stem.split(path.sep);
  const i = parts.lastIndexOf('images');
  if (i >= 0) {
    const swapped = [...parts.slice(0, i), 'labels', ...parts.slice(i + 1)].join(path.sep) + '.txt';
    if (existsSync(swapped)) return swapped;
  }
  return `${stem}.txt`;
}

/** Class names from `data.yaml` `names` (list or `{id: name}` map). */
function namesFromYaml(names: unknown, file: string): string[] {
  if (Array.isArray(names)) return names.map(String);
  if (names && typeof names === 'object') {
    const entries = Object.entries(names as Record<string, unknown>).map(([k, v]) => [Number(k), String(v)] as const);
    const out: string[] = [];
    for (const [k, v] of entries) out[k] = v;
    if (out.some((v) => v === undefined) || out.length !== entries.length) {
      throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: "names" ids must be 0..N-1 without gaps`);
    }
    return out;
  }
  throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: "names" must be a list or an id → name map`);
}

interface YoloLayout {
  names: string[];
  /** Image folders, with the split they stand for. */
  roots: { dir: string; split?: 'train' | 'val' }[];
}

/** Works out names and image folders from a `data.yaml` or a plain folder. */
async function resolveLayout(target: string, imagesDir?: string): Promise<YoloLayout> {
  const isDir = (await stat(target).catch(() => undefined))?.isDirectory();
  if (isDir === undefined) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `YOLO dataset ${target} not found`);
  const yamlFile = !isDir ? target : ['data.yaml', 'dataset.yaml'].map((n) => path.join(target, n)).find(existsSync);
  if (yamlFile) {
    const doc = (parseYaml(await readFile(yamlFile, 'utf8')) ?? {}) as Record<string, unknown>;
    const base = path.resolve(path.dirname(yamlFile), typeof doc.path === 'string' ? doc.path : '.');
    const roots: YoloLayout['roots'] = [];
    for (const split of ['train', 'val'] as const) {
      const entries = doc[split];
      for (const e of Array.isArray(entries) ? entries : entries ? [entries] : []) {
        const dir = path.resolve(base, String(e));
        if (!roots.some((r) => r.dir === dir)) roots.push({ dir, split });
      }
    }
    if (imagesDir) roots.splice(0, roots.length, { dir: path.resolve(imagesDir) });
    if (roots.length === 0) roots.push({ dir: base });
    return { names: namesFromYaml(doc.names, yamlFile), roots };
  }
  const dir = path.resolve(target);
  const namesFile = ['classes.txt', 'obj.names', '../classes.txt']
    .map((n) => path.join(dir, n))
    .find(existsSync);
  if (!namesFile) {
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${dir}: no data.yaml, classes.txt or obj.names to name the YOLO classes`);
  }
  const names = (await readFile(namesFile, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return { names, roots: [{ dir: imagesDir ? path.resolve(imagesDir) : dir }] };
}

/** Imports a YOLO dataset folder or its `data.yaml`. */
export async function importYolo(target: string, opts: ImageImportOptions = {}): Promise<{ dataset: Dataset; report: ImportReport }> {
  const report = opts.report ?? new ImportReport();
  const layout = await resolveLayout(target, opts.imagesDir);
  const builder = new DatasetBuilder(report, layout.names);
  for (const root of layout.roots) {
    if (!existsSync(root.dir)) {
      report.add({ kind: 'missing-file', file: root.dir, message: `image folder ${root.dir} does not exist` });
      continue;
    }
    for (const file of await listImages(root.dir)) {
      const size = await readImageSize(file);
      if (!size) {
        report.add({ kind: 'bad-image', file, message: 'not a readable image' });
        continue;
      }
      const img: Omit<DatasetImage, 'id'> = { file, ...size };
      if (root.split) img.split = root.split;
      const image = builder.addImage(img);
      const labelFile = labelFileFor(file);
      // No label file is a legitimate negative image (YOLO convention).
      if (!existsSync(labelFile)) continue;
      addLabelRows(builder, image, labelFile, await readFile(labelFile, 'utf8'), layout.names);
    }
  }
  const dir = (await stat(target)).isDirectory() ? path.resolve(target) : path.dirname(path.resolve(target));
  return { dataset: { ...builder.build(`yolo:${path.resolve(target)}`), dir }, report };
}

/** Parses the rows of one label file into boxes on `image`. */
function addLabelRows(builder: DatasetBuilder, image: DatasetImage, file: string, text: string, names: string[]): void {
  const { width: W, height: H } = image;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const row = raw.trim();
    if (!row || row.startsWith('#')) continue;
    const at = { file, line: i + 1 };
    const f = row.split(/\s+/).map(Number);
    if (f.some((v) => !Number.isFinite(v)) || f.length < 5 || (f.length > 5 && f.length % 2 === 0)) {
      builder.report.add({ kind: 'bad-row', ...at, message: `expected "class cx cy w h" (or a polygon), got "${row}"` });
      continue;
    }
    const cls = f[0];
    if (!Number.isInteger(cls) || cls < 0 || cls >= names.length) {
      builder.report.add({ kind: 'unknown-class', ...at, message: `class id ${cls} is outside 0..${names.length - 1}` });
      continue;
    }
    let x1: number, y1: number, x2: number, y2: number;
    if (f.length === 5) {
      const [, cx, cy, w, h] = f;
      [x1, y1, x2, y2] = [(cx - w / 2) * W, (cy - h / 2) * H, (cx + w / 2) * W, (cy + h / 2) * H];
    } else {
      const xs = f.slice(1).filter((_, k) => k % 2 === 0);
      const ys = f.slice(1).filter((_, k) => k % 2 === 1);
      [x1, y1, x2, y2] = [Math.min(...xs) * W, Math.min(...ys) * H, Math.max(...xs) * W, Math.max(...ys) * H];
    }
    builder.addBox(image, [x1, y1, x2, y2], names[cls], at);
  }
}
