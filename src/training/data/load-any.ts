/**
 * One entry point for "a dataset": a dataset folder, or any importable annotation file or folder
 * (COCO JSON, VOC XML(s), YOLO folder / data.yaml, CVAT XML, MOT gt.txt), the format detected
 * from the content when not given. Used by `train --data`, `eval --data`, `dataset stats` and
 * `anchors fit`, so every command accepts the same things.
 */
import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, SsdsError, ErrorCodes } from '../../errors.js';
import { applyClassMap, parseClassMap } from './class-map.js';
import { DATASET_FILE, type Dataset } from './dataset-format.js';
import { loadDataset } from './dataset-io.js';
import { importCoco } from './import-coco.js';
import { importCvat } from './import-cvat.js';
import { importMot } from './import-mot.js';
import { ImportReport } from './import-report.js';
import { importVoc } from './import-voc.js';
import { importYolo } from './import-yolo.js';

/** Annotation formats that can be imported. */
export const DATASET_FORMATS = ['coco', 'voc', 'yolo', 'cvat-video', 'mot'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Options of {@link loadAnyDataset}. */
export interface LoadAnyOptions {
  /** Format of `target`; detected when omitted. (`cvat-video` also reads CVAT image dumps.) */
  format?: DatasetFormat;
  /** Images folder (COCO/VOC/YOLO) or frames folder (CVAT video / MOT). */
  imagesDir?: string;
  /** The annotated video (CVAT video / MOT). */
  video?: string;
  /** Folder for frames extracted from `video` (default: a temp cache). */
  framesDir?: string;
  /** Keep every n-th annotated video frame. */
  every?: number;
  /** Class map `a,b=c|d` (see `class-map.ts`). */
  classes?: string;
  /** Where import problems go. */
  report?: ImportReport;
}

async function head(file: string, bytes = 4096): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Works out the format of an annotation file or folder. */
export async function detectFormat(target: string): Promise<DatasetFormat | 'dataset'> {
  const st = await stat(target).catch(() => undefined);
  if (!st) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `dataset ${target} not found`);
  if (st.isDirectory()) {
    if (existsSync(path.join(target, DATASET_FILE))) return 'dataset';
    const names = await readdir(target);
    if (names.some((n) => /^(data|dataset)\.ya?ml$/.test(n) || n === 'classes.txt' || n === 'obj.names')) return 'yolo';
    if (names.includes('Annotations') || names.some((n) => n.toLowerCase().endsWith('.xml'))) return 'voc';
    if (existsSync(path.join(target, 'gt', 'gt.txt'))) return 'mot';
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${target}: no ${DATASET_FILE}, data.yaml, classes.txt, VOC XMLs or gt/gt.txt found`);
  }
  const ext = path.extname(target).toLowerCase();
  const text = await head(target);
  if (ext === '.json') return /"version"\s*:\s*1[\s,}]/.test(text) && /"classes"/.test(text) && !/"categories"/.test(text) ? 'dataset' : 'coco';
  if (ext === '.yaml' || ext === '.yml') return 'yolo';
  if (ext === '.xml') return /<annotations[\s>]/.test(text) ? 'cvat-video' : 'voc';
  if (ext === '.txt') return 'mot';
  throw new SsdsError(ErrorCodes.DATASET_INVALID, `${target}: cannot tell the annotation format; give --format (${DATASET_FORMATS.join(', ')})`);
}

/** Loads a dataset folder or imports an annotation file, then applies the class map. */
export async function loadAnyDataset(target: string, opts: LoadAnyOptions = {}): Promise<{ dataset: Dataset; report: ImportReport }> {
  const report = opts.report ?? new ImportReport();
  if (opts.format && !DATASET_FORMATS.includes(opts.format)) {
    throw new ConfigError('--format', `"${opts.format}" is not one of ${DATASET_FORMATS.join(', ')}`);
  }
  const format = opts.format ?? (await detectFormat(target));
  if (format === 'mot' && (await stat(target)).isDirectory()) target = path.join(target, 'gt', 'gt.txt');
  const video = { video: opts.video, imagesDir: opts.imagesDir, framesDir: opts.framesDir, every: opts.every, report };
  let dataset: Dataset;
  switch (format) {
    case 'dataset':
      dataset = await loadDataset(target);
      break;
    case 'coco':
      ({ dataset } = await importCoco(target, { imagesDir: opts.imagesDir, report }));
      break;
    case 'voc':
      ({ dataset } = await importVoc(target, { imagesDir: opts.imagesDir, report }));
      break;
    case 'yolo':
      ({ dataset } = await importYolo(target, { imagesDir: opts.imagesDir, report }));
      break;
    case 'cvat-video':
      ({ dataset } = await importCvat(target, video));
      break;
    case 'mot':
      ({ dataset } = await importMot(target, video));
      break;
    default:
      format satisfies never;
      throw new Error('unreachable');
  }
  if (opts.classes) dataset = applyClassMap(dataset, parseClassMap(opts.classes), report);
  return { dataset, report };
}
