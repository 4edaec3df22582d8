/**
 * Makes small test clips with the real ffmpeg (H.264 in MP4, short keyframe interval), cached
 * under `test/.cache/video/` by their parameters so test files share them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFfmpeg } from '../../src/video/find-ffmpeg.js';

/** Where generated clips live (gitignored). */
export const VIDEO_CACHE_DIR = fileURLToPath(new URL('../.cache/video/', import.meta.url));

/** What to generate. */
export interface TestVideoOptions {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /**
   * An ffmpeg lavfi source without size/rate: `testsrc2` (default, moving pattern with a frame
   * counter), `color=c=white`, `smptebars` ...
   */
  pattern?: string;
  /** Filters applied after the pattern, e.g. `geq=lum='min(255,N*8)':cb=128:cr=128`. */
  filter?: string;
  /** Keyframe interval in frames (default: one per second). */
  gop?: number;
}

/** Path of an MP4 with the given properties, made on first use. */
export async function makeTestVideo(o: TestVideoOptions): Promise<string> {
  const pattern = o.pattern ?? 'testsrc2';
  const gop = o.gop ?? o.fps;
  const tag = (pattern + (o.filter ? `-${o.filter}` : '')).replace(/[^a-z0-9]+/gi, '_');
  const key = `${tag}-${o.width}x${o.height}-${o.fps}fps-${o.seconds}s-g${gop}`;
  const path = join(VIDEO_CACHE_DIR, `${key}.mp4`);
  if (existsSync(path)) return path;
  mkdirSync(VIDEO_CACHE_DIR, { recursive: true });
  const bin = await findFfmpeg();
  // Write beside and rename, so a test killed mid-encode never leaves a truncated cache entry.
  const tmp = `${path}.${process.pid}.tmp.mp4`;
  const src =
    `${pattern}${pattern.includes('=') ? ':' : '='}size=${o.width}x${o.height}:rate=${o.fps}` +
    (o.filter ? `,${o.filter}` : '');
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', src,
    '-t', String(o.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-movflags', '+faststart',
    tmp,
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(bin, args, (err, _out, stderr) => (err ? reject(new Error(`ffmpeg ${args.join(' ')}: ${stderr}`)) : resolve()));
  });
  renameSync(tmp, path);
  return path;
}
