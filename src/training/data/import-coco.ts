/**
 * COCO object detection JSON (`instances_*.json`): `images`, `annotations` with `bbox`
 * `[x, y, w, h]` in pixels (xywh), `categories`. `file_name`s resolve against the JSON's own
 * folder unless an images folder is given. `iscrowd` boxes become ignored boxes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdsError, ErrorCodes } from '../../errors.js';
import { DatasetBuilder } from './dataset-builder.js';
import type { Dataset, DatasetImage } from './dataset-format.js';
import { ImportReport } from './import-report.js';
import { topLevelArrayLines } from './json-lines.js';
import { readImageSize } from './image-size.js';

/** Options shared by the still-image importers. */
export interface ImageImportOptions {
  /** Folder the image file names resolve against (default: per format). */
  imagesDir?: string;
  /** Where problems go (a fresh report by default). */
  report?: ImportReport;
}

interface CocoJson {
  images?: unknown[];
  annotations?: unknown[];
  categories?: unknown[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Imports a COCO detection JSON file. Image paths in the result are absolute. */
export async function importCoco(file: string, opts: ImageImportOptions = {}): Promise<{ dataset: Dataset; report: ImportReport }> {
  const report = opts.report ?? new ImportReport();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `cannot read COCO file ${file}`, { cause: e });
  }
  let json: CocoJson;
  try {
    json = JSON.parse(text) as CocoJson;
  } catch (e) {
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isObj(json) || !Array.isArray(json.images) || !Array.isArray(json.annotations) || !Array.isArray(json.categories)) {
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: not a COCO detection file (needs "images", "annotations" and "categories" arrays)`);
  }
  const lines = topLevelArrayLines(text);
  const lineOf = (key: string, i: number): number | undefined => lines.get(key)?.[i];
  const imagesDir = path.resolve(opts.imagesDir ?? path.dirname(file));

  // Categories: COCO ids are sparse (1..90); class ids here are dense, in category-id order.
  const cats = json.categories.filter(isObj).filter((c) => typeof c.name === 'string' && Number.isFinite(c.id));
  cats.sort((a, b) => (a.id as number) - (b.id as number));
  const builder = new DatasetBuilder(report, cats.map((c) => c.name as string));
  builder.sourceClassIds = cats.map((c) => c.id as number);
  const catName = new Map<number, string>(cats.map((c) => [c.id as number, c.name as string]));

  const images = new Map<number, DatasetImage>();
  const skippedImages = new Set<number>();
  for (const [i, raw] of json.images.entries()) {
    const at = { file, line: lineOf('images', i), where: `images[${i}]` };
    if (!isObj(raw) || typeof raw.file_name !== 'string' || !Number.isFinite(raw.id)) {
      report.add({ kind: 'bad-image', ...at, message: 'image entry needs "id" and "file_name"' });
      continue;
    }
    const id = raw.id as number;
    if (!Number.isInteger(id) || id < 0 || builder.hasImageId(id)) {
      report.add({ kind: 'bad-image', ...at, message: `image id ${id} is not a unique non-negative integer` });
      continue;
    }
    const abs = path.resolve(imagesDir, raw.file_name);
    if (!existsSync(abs)) {
      report.add({ kind: 'missing-file', ...at, message: `image file ${abs} does not exist` });
      skippedImages.add(id);
      continue;
    }
    let width = Number(raw.width);
    let height = Number(raw.height);
    if (!(width > 0 && height > 0)) {
      const size = await readImageSize(abs);
      if (!size) {
        report.add({ kind: 'bad-image', ...at, message: `${abs} is not a readable image` });
        skippedImages.add(id);
        continue;
      }
      ({ width, height } = size);
    }
    const img: Omit<DatasetImage, 'id'> = { file: abs, width, height };
    // COCO-video style extensions (TAO, COCO-VID): keep frame order for the split.
    if (raw.video_id !== undefined) img.video = String(raw.video_id);
    if (Number.isInteger(raw.frame_id) && (raw.frame_id as number) >= 0) img.frame = raw.frame_id as number;
    images.set(id, builder.addImage(img, id));
  }

  for (const [i, raw] of json.annotations.entries()) {
    const at = { file, line: lineOf('annotations', i), where: `annotations[${i}]` };
    if (!isObj(raw) || !Array.isArray(raw.bbox) || raw.bbox.length !== 4) {
      report.add({ kind: 'bad-row', ...at, message: 'annotation needs "bbox": [x, y, w, h]' });
      continue;
    }
    const image = images.get(raw.image_id as number);
    if (!image) {
      if (!skippedImages.has(raw.image_id as number)) {
        report.add({ kind: 'unknown-image', ...at, message: `image_id ${String(raw.image_id)} is not in "images"` });
      }
      continue;
    }
    const name = catName.get(raw.category_id as number);
    if (name === undefined) {
      report.add({ kind: 'unknown-class', ...at, message: `category_id ${String(raw.category_id)} is not in "categories"` });
      continue;
    }
    const [x, y, w, h] = (raw.bbox as unknown[]).map(Number);
    const ignore = raw.iscrowd === 1 || raw.iscrowd === true || raw.ignore === 1 || raw.ignore === true;
    builder.addBox(image, [x, y, x + w, y + h], name, at, { ignore, trackId: Number.isInteger(raw.track_id) ? (raw.track_id as number) : undefined });
  }
  return { dataset: { ...builder.build(`coco:${path.resolve(file)}`), dir: path.dirname(path.resolve(file)) }, report };
}
