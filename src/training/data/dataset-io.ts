/**
 * Reading and writing a dataset folder (`dataset.json`). Image paths are stored relative to the
 * folder so a dataset can be moved or copied as a whole.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdsError, ErrorCodes } from '../../errors.js';
import { DATASET_FILE, datasetFileSchema, type Dataset, type DatasetAnnotation, type DatasetFile } from './dataset-format.js';

/** Absolute path of an image of `ds`. */
export function imagePath(ds: Pick<Dataset, 'dir'>, file: string): string {
  return path.resolve(ds.dir, file);
}

/** Reads and validates `<dir>/dataset.json` (or the given json file). Throws `SSDS_ERR_DATASET_INVALID`. */
export async function loadDataset(dirOrFile: string): Promise<Dataset> {
  const file = dirOrFile.endsWith('.json') ? path.resolve(dirOrFile) : path.resolve(dirOrFile, DATASET_FILE);
  if (!existsSync(file)) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `dataset file ${file} not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: not valid JSON`, { cause: e });
  }
  const r = datasetFileSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: ${issues.join('; ')}`);
  }
  const data = r.data;
  const ids = new Set(data.images.map((i) => i.id));
  if (ids.size !== data.images.length) throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: image ids are not unique`);
  const bad = data.annotations.findIndex((a) => !ids.has(a.imageId) || a.classId >= data.classes.length);
  if (bad >= 0) {
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}: annotations[${bad}] refers to an unknown image or class`);
  }
  return { ...data, dir: path.dirname(file) };
}

/** Writes `ds` as `<dir>/dataset.json`, image paths made relative to `dir`. Returns the file path. */
export async function saveDataset(ds: DatasetFile & { dir?: string }, dir: string): Promise<string> {
  const outDir = path.resolve(dir);
  await mkdir(outDir, { recursive: true });
  const base = ds.dir ?? outDir;
  const images = ds.images.map((img) => {
    const rel = path.relative(outDir, path.resolve(base, img.file));
    return { ...img, file: rel.split(path.sep).join('/') };
  });
  const out: DatasetFile = {
    version: 1,
    classes: ds.classes,
    images,
    annotations: ds.annotations,
    ignoreRegions: ds.ignoreRegions,
    ...(ds.sourceClassIds ? { sourceClassIds: ds.sourceClassIds } : {}),
    ...(ds.source ? { source: ds.source } : {}),
  };
  const file = path.join(outDir, DATASET_FILE);
  await writeFile(file, `${JSON.stringify(out)}\n`);
  return file;
}

/** Annotations grouped by image id (images without boxes map to an empty list). */
export function annotationsByImage(ds: Pick<Dataset, 'images' | 'annotations'>): Map<number, DatasetAnnotation[]> {
  const out = new Map<number, DatasetAnnotation[]>(ds.images.map((i) => [i.id, []]));
  for (const a of ds.annotations) out.get(a.imageId)?.push(a);
  return out;
}
