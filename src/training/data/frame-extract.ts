/**
 * Extracts frames of a video to JPEG files once, for annotation (`dataset frames`) or for a
 * video-annotation import (CVAT video, MOT). Files are named by their 0-based frame index in the
 * video (`<prefix>000120.jpg`), so a frame keeps its identity whatever `every` was. A second run
 * with the same video and options reuses the files instead of decoding again.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdsError, ErrorCodes } from '../../errors.js';
import { findFfmpeg } from '../../video/find-ffmpeg.js';
import { readImageSize } from './image-size.js';

/** Options of {@link extractFrames}. */
export interface ExtractFramesOptions {
  /** Folder the frames are written to (created). */
  outDir: string;
  /** Keep frames `start`, `start + every`, `start + 2·every`, ... (default 1: every frame). */
  every?: number;
  /** First frame index kept (default 0). */
  start?: number;
  /** Last frame index kept, inclusive (default: end of video). */
  end?: number;
  /** File name prefix (default: the video's file stem and `_`). */
  prefix?: string;
  /** JPEG quality for ffmpeg's `-q:v`, 2 (best) .. 31 (default 2). */
  qscale?: number;
}

/** One written frame. */
export interface ExtractedFrame {
  /** 0-based frame index in the video. */
  frame: number;
  /** Absolute path of the JPEG. */
  file: string;
}

/** Result of {@link extractFrames}. */
export interface ExtractFramesResult {
  frames: ExtractedFrame[];
  width: number;
  height: number;
  /** True when the files of an earlier identical run were reused. */
  cached: boolean;
}

/** Name of a frame file: prefix plus the frame index padded to 6 digits. */
export function frameFileName(prefix: string, frame: number): string {
  return `${prefix}${String(frame).padStart(6, '0')}.jpg`;
}

function runFfmpeg(bin: string, args: string[], video: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    p.on('error', (e) => reject(new SsdsError(ErrorCodes.FFMPEG_NOT_FOUND, `cannot start ${bin}`, { cause: e })));
    p.on('close', (code) => {
      if (code === 0) resolve();
      else {
        const last = err.trim().split('\n').slice(-2).join(' | ');
        reject(new SsdsError(ErrorCodes.FILE_INVALID, `ffmpeg could not decode ${video} (exit ${code}): ${last}`));
      }
    });
  });
}

/** Decodes `video` and writes the selected frames as JPEGs (see module doc). */
export async function extractFrames(video: string, opts: ExtractFramesOptions): Promise<ExtractFramesResult> {
  const every = Math.max(1, Math.floor(opts.every ?? 1));
  const start = Math.max(0, Math.floor(opts.start ?? 0));
  const end = opts.end === undefined ? undefined : Math.floor(opts.end);
  const abs = path.resolve(video);
  const st = await stat(abs).catch((e: unknown) => {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `video ${abs} not found`, { cause: e });
  });
  const prefix = opts.prefix ?? `${path.basename(abs, path.extname(abs))}_`;
  const outDir = path.resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });

  // The marker ties the files to the exact video and options; any change re-extracts.
  const key = { video: abs, size: st.size, mtimeMs: Math.floor(st.mtimeMs), every, start, end: end ?? null, prefix };
  const marker = path.join(outDir, `.frames-${prefix}.json`);
  if (existsSync(marker)) {
    const prev = JSON.parse(await readFile(marker, 'utf8')) as { key: typeof key; frames: number[]; width: number; height: number };
    const files = prev.frames.map((f) => path.join(outDir, frameFileName(prefix, f)));
    if (JSON.stringify(prev.key) === JSON.stringify(key) && files.every(existsSync)) {
      return { frames: prev.frames.map((frame, i) => ({ frame, file: files[i] })), width: prev.width, height: prev.height, cached: true };
    }
  }

  const tmp = path.join(outDir, `.extract-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    const between = end === undefined ? `gte(n\\,${start})` : `between(n\\,${start}\\,${end})`;
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-i', abs,
      '-vf', `select=not(mod(n-${start}\\,${every}))*${between}`,
      // Passthrough: one output file per selected frame, no duplicates or drops for a fixed rate.
      '-vsync', '0',
      '-q:v', String(opts.qscale ?? 2),
      '-start_number', '0',
      path.join(tmp, '%08d.jpg'),
    ];
    await runFfmpeg(await findFfmpeg(), args, abs);
    const written = (await readdir(tmp)).filter((n) => n.endsWith('.jpg')).sort();
    if (written.length === 0) {
      throw new SsdsError(ErrorCodes.FILE_INVALID, `no frames of ${abs} were selected (start ${start}, every ${every})`);
    }
    // The i-th selected frame is start + i·every.
    const first = start;
    const frames: ExtractedFrame[] = [];
    for (const [i, name] of written.entries()) {
      const frame = first + i * every;
      const file = path.join(outDir, frameFileName(prefix, frame));
      await rename(path.join(tmp, name), file);
      frames.push({ frame, file });
    }
    const size = await readImageSize(frames[0].file);
    if (!size) throw new SsdsError(ErrorCodes.FILE_INVALID, `ffmpeg wrote an unreadable frame ${frames[0].file}`);
    await writeFile(marker, JSON.stringify({ key, frames: frames.map((f) => f.frame), ...size }));
    return { frames, ...size, cached: false };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
