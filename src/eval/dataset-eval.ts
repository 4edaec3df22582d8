/**
 * Glue between datasets and the metrics: ground truth of a dataset as an {@link EvalSet},
 * detections from a COCO results file, and detections from a model run through the
 * {@link Detector} over the dataset's images (pictures resized/padded with sharp exactly as the
 * spec's `input` says, boxes mapped back to each image's pixels).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { SsdsError, ErrorCodes } from '../errors.js';
import { Detector } from '../inference/detector.js';
import { placeInInput } from '../ssd/letterbox.js';
import type { InputSpec } from '../ssd/spec.js';
import type { Dataset } from '../training/data/dataset-format.js';
import { imagePath } from '../training/data/dataset-io.js';
import type { EvalDetection } from './eval-types.js';
export { groundTruthSet } from './ground-truth.js';

/** What reading a results file skipped. */
export interface ResultsReadInfo {
  read: number;
  unknownImage: number;
  unknownClass: number;
}

/**
 * Reads a COCO results file (`[{image_id, category_id, bbox: [x,y,w,h], score}]`, pixels).
 * `category_id` maps through the dataset's `sourceClassIds` (COCO ground truth) or else is
 * `classId + 1`; an entry may name its class instead (`category_name` or `label`). `image_id`
 * is the dataset image id; an entry may give `file_name` instead.
 */
export async function readCocoResults(file: string, ds: Dataset): Promise<{ detections: EvalDetection[]; info: ResultsReadInfo }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_INVALID, `cannot read detections ${file}: ${(e as Error).message}`, { cause: e });
  }
  const list = Array.isArray(raw) ? raw : (raw as { annotations?: unknown })?.annotations;
  if (!Array.isArray(list)) throw new SsdsError(ErrorCodes.FILE_INVALID, `${file}: expected a JSON array of COCO results`);
  const ids = new Set(ds.images.map((i) => i.id));
  const byFile = new Map(ds.images.map((i) => [path.basename(i.file), i.id]));
  const byName = new Map(ds.classes.map((c, k) => [c.toLowerCase(), k]));
  const bySource = new Map((ds.sourceClassIds ?? []).map((id, k) => [id, k]));
  const info: ResultsReadInfo = { read: 0, unknownImage: 0, unknownClass: 0 };
  const detections: EvalDetection[] = [];
  list.forEach((r: Record<string, unknown>, i) => {
    const bbox = r?.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || typeof r.score !== 'number') {
      throw new SsdsError(ErrorCodes.FILE_INVALID, `${file}: entry ${i} needs "bbox": [x, y, w, h] and "score"`);
    }
    let imageId = typeof r.image_id === 'number' && ids.has(r.image_id) ? r.image_id : undefined;
    if (imageId === undefined && typeof r.file_name === 'string') imageId = byFile.get(path.basename(r.file_name));
    if (imageId === undefined) return void info.unknownImage++;
    const name = typeof r.category_name === 'string' ? r.category_name : typeof r.label === 'string' ? r.label : undefined;
    let classId: number | undefined;
    if (name !== undefined) classId = byName.get(name.toLowerCase());
    else if (typeof r.category_id === 'number') classId = ds.sourceClassIds ? bySource.get(r.category_id) : r.category_id - 1;
    if (classId === undefined || classId < 0 || classId >= ds.classes.length) return void info.unknownClass++;
    const [x, y, w, h] = bbox.map(Number);
    detections.push({ imageId, classId, xyxy: [x, y, x + w, y + h], score: r.score });
    info.read++;
  });
  return { detections, info };
}

/** The picture of `file` at the model input, placed per `input` (stretch or pad, black bars). */
export async function prepareInput(file: string, input: Pick<InputSpec, 'width' | 'height' | 'resize' | 'padAlign'>): Promise<{ data: Uint8Array; sourceWidth: number; sourceHeight: number }> {
  const img = sharp(file).rotate();
  const meta = await sharp(file).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const sourceWidth = swap ? meta.height! : meta.width!;
  const sourceHeight = swap ? meta.width! : meta.height!;
  const p = placeInInput(sourceWidth, sourceHeight, input);
  const buf = await img
    .removeAlpha()
    .toColourspace('srgb')
    .resize(p.scaledWidth, p.scaledHeight, { fit: 'fill' })
    .extend({
      left: p.offsetX,
      top: p.offsetY,
      right: input.width - p.scaledWidth - p.offsetX,
      bottom: input.height - p.scaledHeight - p.offsetY,
      background: { r: 0, g: 0, b: 0 },
    })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), sourceWidth, sourceHeight };
}

/** Options of {@link detectOnDataset}. */
export interface DatasetDetectOptions {
  /** Score threshold for mAP: low, so the PR curve reaches high recall (default 0.01). */
  scoreThreshold?: number;
  /** Detections kept per image (default 100, COCO's maxDets). */
  maxDetections?: number;
  /** Pictures per `detect` call (default 8). */
  batch?: number;
  /** Called after each batch with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Result of {@link detectOnDataset}. */
export interface DatasetDetections {
  detections: EvalDetection[];
  /** Model labels that matched no dataset class (their detections were dropped). */
  unmatchedLabels: string[];
  /** Dataset classes the model has no label for (they can only score 0). */
  missingClasses: string[];
  modelName: string;
}

/**
 * Runs `model` over the images `imageIds` of `ds` and returns detections in each image's pixels,
 * class ids of the dataset (model labels matched to dataset class names, case-insensitively).
 */
export async function detectOnDataset(model: string, ds: Dataset, imageIds: readonly number[], opts: DatasetDetectOptions = {}): Promise<DatasetDetections> {
  const detector = await Detector.create({
    model,
    postprocess: { scoreThreshold: opts.scoreThreshold ?? 0.01, maxDetections: opts.maxDetections ?? 100 },
  });
  try {
    const { spec } = detector;
    const byName = new Map(ds.classes.map((c, k) => [c.toLowerCase(), k]));
    const labelSet = new Set(spec.labels.filter((_, i) => i !== spec.backgroundIndex).map((l) => l.toLowerCase()));
    const unmatched = new Set<string>();
    const images = new Map(ds.images.map((i) => [i.id, i]));
    const detections: EvalDetection[] = [];
    const batch = Math.max(1, opts.batch ?? 8);
    for (let s = 0; s < imageIds.length; s += batch) {
      const ids = imageIds.slice(s, s + batch);
      const inputs = await Promise.all(ids.map((id) => prepareInput(imagePath(ds, images.get(id)!.file), spec.input)));
      const results = await detector.detect(inputs);
      results.forEach((r, k) => {
        const img = images.get(ids[k])!;
        for (const d of r.detections) {
          const classId = byName.get(d.label.toLowerCase());
          if (classId === undefined) {
            unmatched.add(d.label);
            continue;
          }
          const [x1, y1, x2, y2] = d.box;
          detections.push({ imageId: img.id, classId, score: d.score, xyxy: [x1 * img.width, y1 * img.height, x2 * img.width, y2 * img.height] });
        }
      });
      opts.onProgress?.(Math.min(s + batch, imageIds.length), imageIds.length);
    }
    return {
      detections,
      unmatchedLabels: [...unmatched],
      missingClasses: ds.classes.filter((c) => !labelSet.has(c.toLowerCase())),
      modelName: spec.name,
    };
  } finally {
    await detector.close();
  }
}
