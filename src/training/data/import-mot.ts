/**
 * MOTChallenge `gt.txt` and CVAT's "MOT 1.1" export: comma-separated rows
 * `frame, id, left, top, width, height, conf, class, visibility` with 1-based frames and pixel
 * xywh boxes. Class names come from `labels.txt` beside the file (CVAT: 1-based index) or the
 * MOT17/MOT20 class table. Rows with `conf = 0` are the benchmark's "do not evaluate" rows and
 * become ignored boxes; visibility below 0.5 marks a box occluded. `seqinfo.ini` in the sequence
 * folder gives the frame folder, length and size; otherwise `--video` or `--images` does.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdsError, ErrorCodes } from '../../errors.js';
import { DatasetBuilder } from './dataset-builder.js';
import type { Dataset, DatasetImage } from './dataset-format.js';
import { ImportReport } from './import-report.js';
import { resolveVideoFrames, type VideoFrameSource } from './video-frames.js';

/** MOT17/MOT20 ground-truth classes, indexed by class id - 1. */
export const MOT_CLASSES = [
  'pedestrian',
  'person_on_vehicle',
  'car',
  'bicycle',
  'motorbike',
  'non_motorized_vehicle',
  'static_person',
  'distractor',
  'occluder',
  'occluder_on_ground',
  'occluder_full',
  'reflection',
  'crowd',
] as const;

/** Options of {@link importMot}. */
export interface MotImportOptions extends VideoFrameSource {
  report?: ImportReport;
}

/** Reads `key=value` lines of a MOTChallenge `seqinfo.ini`. */
async function readSeqInfo(file: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await readFile(file, 'utf8')).split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]\w*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Imports a MOT `gt.txt` with the frames it annotates. */
export async function importMot(file: string, opts: MotImportOptions = {}): Promise<{ dataset: Dataset; report: ImportReport }> {
  const report = opts.report ?? new ImportReport();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `cannot read MOT file ${file}`, { cause: e });
  }
  const gtDir = path.dirname(path.resolve(file));
  const seqDir = path.basename(gtDir) === 'gt' ? path.dirname(gtDir) : gtDir;
  const labelsFile = [path.join(gtDir, 'labels.txt'), path.join(seqDir, 'labels.txt')].find(existsSync);
  const names = labelsFile
    ? (await readFile(labelsFile, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
    : [...MOT_CLASSES];
  const seqInfoFile = path.join(seqDir, 'seqinfo.ini');
  const seq = existsSync(seqInfoFile) ? await readSeqInfo(seqInfoFile) : {};

  type Row = { frame: number; id: number; x: number; y: number; w: number; h: number; conf: number; cls: number; vis: number; line: number };
  const rows: Row[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const f = line.split(/\s*,\s*/).map(Number);
    if (f.length < 6 || f.slice(0, 6).some((v) => !Number.isFinite(v)) || !Number.isInteger(f[0]) || f[0] < 1) {
      report.add({ kind: 'bad-row', file, line: i + 1, message: `expected "frame,id,left,top,width,height,..." with frame ≥ 1, got "${line}"` });
      continue;
    }
    rows.push({
      frame: f[0], id: f[1], x: f[2], y: f[3], w: f[4], h: f[5],
      conf: Number.isFinite(f[6]) ? f[6] : 1,
      // Detection-style files have class -1: treat every row as the first class.
      cls: Number.isFinite(f[7]) && f[7] >= 1 ? f[7] : 1,
      vis: Number.isFinite(f[8]) && f[8] >= 0 ? f[8] : 1,
      line: i + 1,
    });
  }
  const seqLength = Number(seq.seqLength);
  const maxFrame = Math.max(1, ...rows.map((r) => r.frame));
  const lastFrame = seqLength > 0 ? seqLength : maxFrame;
  // Video frame index = MOT frame - 1; frame folders are numbered like the MOT frames.
  const source: VideoFrameSource = { ...opts };
  if (!source.video && !source.imagesDir && seq.imDir) source.imagesDir = path.join(seqDir, seq.imDir);
  if (!source.video && !source.imagesDir && existsSync(path.join(seqDir, 'img1'))) source.imagesDir = path.join(seqDir, 'img1');
  const frames = await resolveVideoFrames({ start: 0, end: lastFrame - 1, step: 1 }, source, file, report, 1);

  const builder = new DatasetBuilder(report, names);
  const videoName = seq.name ?? path.basename(opts.video ?? seqDir).replace(/\.[^.]*$/, '');
  const width = frames.width;
  const height = frames.height;
  const images = new Map<number, DatasetImage>();
  for (const [frame, f] of [...frames.files.entries()].sort((a, b) => a[0] - b[0])) {
    images.set(frame, builder.addImage({ file: f, width, height, video: videoName, frame }));
  }
  for (const r of rows) {
    const at = { file, line: r.line };
    if (r.frame > lastFrame) {
      report.add({ kind: 'unknown-image', ...at, message: `frame ${r.frame} is beyond the sequence length ${lastFrame}` });
      continue;
    }
    const image = images.get(r.frame - 1);
    if (!image) continue; // thinned out by --every, or its picture is missing (reported)
    const name = names[r.cls - 1];
    if (name === undefined) {
      report.add({ kind: 'unknown-class', ...at, message: `class ${r.cls} is outside 1..${names.length}` });
      continue;
    }
    builder.addBox(image, [r.x, r.y, r.x + r.w, r.y + r.h], name, at, {
      ignore: r.conf === 0,
      occluded: r.vis < 0.5,
      trackId: Number.isInteger(r.id) ? r.id : undefined,
    });
  }
  return { dataset: { ...builder.build(`mot:${path.resolve(file)}`), dir: seqDir }, report };
}
