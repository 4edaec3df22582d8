/**
 * Which ffmpeg binary frame extraction runs: the program-wide lookup of
 * `src/video/find-ffmpeg.ts` (DESIGN decision 7), so `FFMPEG_PATH` means the same everywhere.
 */
import { findFfmpeg } from '../../video/find-ffmpeg.js';

/** Absolute path (or PATH name) of a working ffmpeg. Throws `SSDS_ERR_FFMPEG_NOT_FOUND`. */
export function ffmpegPath(): Promise<string> {
  return findFfmpeg();
}
