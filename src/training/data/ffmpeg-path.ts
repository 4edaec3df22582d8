/**
 * Which ffmpeg binary frame extraction runs. Uses `findFfmpeg()` of `src/video/find-ffmpeg.ts`
 * when that module is present (one lookup order for the whole program); otherwise the same
 * order as DESIGN.md decision 7: `FFMPEG_PATH`, the system `ffmpeg`, then the binary shipped by
 * `@ffmpeg-installer/ffmpeg`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SsdsError, ErrorCodes } from '../../errors.js';

let cached: string | undefined;

/** Absolute path (or PATH name) of a working ffmpeg. Throws `SSDS_ERR_FFMPEG_NOT_FOUND`. */
export async function ffmpegPath(): Promise<string> {
  if (cached) return cached;
  // A variable specifier keeps the type checker from requiring the module to exist yet.
  const shared = '../../video/find-ffmpeg.js';
  try {
    const mod = (await import(shared)) as { findFfmpeg?: () => unknown };
    if (typeof mod.findFfmpeg === 'function') {
      const found = await mod.findFfmpeg();
      const p = typeof found === 'string' ? found : (found as { path?: string } | undefined)?.path;
      if (typeof p === 'string' && p) return (cached = p);
    }
  } catch {
    // Module not there (or failed): fall back to the documented order below.
  }
  const candidates: string[] = [];
  if (process.env.FFMPEG_PATH) candidates.push(process.env.FFMPEG_PATH);
  candidates.push('ffmpeg');
  try {
    const req = createRequire(import.meta.url);
    const p = (req('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    if (existsSync(p)) candidates.push(p);
  } catch {
    // package absent on this platform
  }
  for (const c of candidates) {
    const r = spawnSync(c, ['-version'], { stdio: 'ignore' });
    if (r.status === 0) return (cached = c);
  }
  throw new SsdsError(ErrorCodes.FFMPEG_NOT_FOUND, `ffmpeg not found (tried ${candidates.join(', ')}); set FFMPEG_PATH`);
}
