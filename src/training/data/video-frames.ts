/**
 * Pictures for the frames of an annotated video, from the video itself (decoded once with
 * ffmpeg) or from a folder of frame images (CVAT's `frame_000012.png`, MOTChallenge's
 * `img1/000013.jpg`, `dataset frames` output), matched by the number at the end of the name.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, SsdsError, ErrorCodes } from '../../errors.js';
import { extractFrames } from './frame-extract.js';
import type { ImportReport } from './import-report.js';
import { readImageSize } from './image-size.js';

/** Where the frames of an annotated video come from. */
export interface VideoFrameSource {
  /** The annotated video; frames are extracted with ffmpeg. */
  video?: string;
  /** A folder of frame images instead of a video. */
  imagesDir?: string;
  /**
   * Folder extracted frames go to (the import's output dataset folder + `images/<video>`);
   * default: a cache folder under the OS temp dir keyed by the video path.
   */
  framesDir?: string;
  /** Keep every n-th annotated frame only (default 1). */
  every?: number;
}

/** The frames wanted: `start, start + step, ...` up to `end` inclusive (video frame indices). */
export interface FrameRange {
  start: number;
  end?: number;
  step: number;
}

/** Frame index → picture, plus the picture size. */
export interface ResolvedFrames {
  files: Map<number, string>;
  width: number;
  height: number;
}

/** Maps the trailing number of each image name in `dir` to its path. */
export async function indexFrameFolder(dir: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const name of (await readdir(dir)).sort()) {
    const m = /(\d+)\.(jpe?g|png|bmp|webp)$/i.exec(name);
    if (m) out.set(Number(m[1]), path.join(dir, name));
  }
  return out;
}

/**
 * Finds or extracts the pictures of `range` (thinned by `source.every`).
 * @param folderOffset added to a video frame index to get the number in folder file names
 *   (MOTChallenge numbers frames from 1).
 */
export async function resolveVideoFrames(
  range: FrameRange,
  source: VideoFrameSource,
  annotationFile: string,
  report: ImportReport,
  folderOffset = 0,
): Promise<ResolvedFrames> {
  const step = range.step * Math.max(1, Math.floor(source.every ?? 1));
  if (source.video) {
    const video = path.resolve(source.video);
    const stem = path.basename(video, path.extname(video));
    const framesDir =
      source.framesDir ??
      path.join(os.tmpdir(), 'ssd-stream-frames', createHash('sha1').update(video).digest('hex').slice(0, 12));
    const r = await extractFrames(video, { outDir: framesDir, start: range.start, end: range.end, every: step, prefix: `${stem}_` });
    return { files: new Map(r.frames.map((f) => [f.frame, f.file])), width: r.width, height: r.height };
  }
  if (!source.imagesDir) {
    throw new ConfigError('--video', `${annotationFile} annotates a video: give the video (--video) or its frames folder (--images)`);
  }
  const dir = path.resolve(source.imagesDir);
  if (!existsSync(dir)) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `frames folder ${dir} not found`);
  const index = await indexFrameFolder(dir);
  const files = new Map<number, string>();
  const last = range.end ?? Math.max(-1, ...[...index.keys()].map((k) => k - folderOffset));
  // A folder from `dataset frames --every 15` holds every 15th frame: follow its grid rather
  // than report the 14 frames in between as missing.
  const present = [...index.keys()].map((k) => k - folderOffset - range.start).filter((d) => d >= 0 && d <= last - range.start);
  const folderStep = present.reduce((g, d) => gcd(g, d), 0);
  let grid = step;
  if (folderStep > 0 && folderStep % step === 0) grid = folderStep;
  for (let f = range.start; f <= last; f += grid) {
    const file = index.get(f + folderOffset);
    if (file) files.set(f, file);
    else report.add({ kind: 'missing-file', file: dir, message: `no image for frame ${f + folderOffset} of ${annotationFile}` });
  }
  const first = files.values().next().value;
  const size = first ? await readImageSize(first) : undefined;
  if (!size) throw new SsdsError(ErrorCodes.DATASET_INVALID, `no readable frame images in ${dir} for ${annotationFile}`);
  return { files, ...size };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
