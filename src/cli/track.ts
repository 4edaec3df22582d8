/**
 * `ssd-stream track --detections det.txt --out tracks.txt` — runs the tracker offline over a
 * MOTChallenge detection file and writes MOTChallenge results, so tracker settings can be tuned
 * on public detections and scored with `ssd-stream eval mot`.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { action } from './run.js';
import { parseOptionalNumber } from './options.js';
import { ConfigError } from '../errors.js';
import { parseSeqInfo, readMotFile, writeMotFile, type SeqInfo } from '../eval/mot.js';
import { trackMotDetections } from '../eval/mot-track.js';
import { interpolateTracks } from '../eval/mot-interpolate.js';
import { parseTrackerConfig, type TrackerConfigInput } from '../tracking/tracker-config.js';

interface TrackOpts {
  detections: string;
  out: string;
  tracker: string;
  highThresh?: string;
  lowThresh?: string;
  newTrackThresh?: string;
  matchIou?: string;
  buffer?: string;
  minHits?: string;
  frameRate?: string;
  classAgnostic?: boolean;
  outputBox: string;
  interpolate?: string;
}

/** `seqinfo.ini` of a MOTChallenge sequence holding `det/det.txt`, when present. */
async function findSeqInfo(detPath: string): Promise<SeqInfo | undefined> {
  for (const p of [join(dirname(detPath), '..', 'seqinfo.ini'), join(dirname(detPath), 'seqinfo.ini')]) {
    try {
      return parseSeqInfo(await readFile(p, 'utf8'));
    } catch {
      // not a MOTChallenge layout; fine
    }
  }
  return undefined;
}

/** Registers `track` on the program. */
export function register(program: Command): void {
  program
    .command('track')
    .description('track objects offline over a MOTChallenge detection file; writes MOTChallenge results')
    .requiredOption('--detections <file>', 'MOTChallenge detections (frame,-1,left,top,width,height,score,...)')
    .requiredOption('-o, --out <file>', 'results file to write (frame,id,left,top,width,height,score,-1,-1,-1)')
    .option('--tracker <type>', 'bytetrack or sort', 'bytetrack')
    .option('--high-thresh <score>', 'first-round score threshold (default 0.5)')
    .option('--low-thresh <score>', 'lowest score kept for the second round (default 0.1)')
    .option('--new-track-thresh <score>', 'score needed to start a track (default 0.6)')
    .option('--match-iou <iou>', 'minimum IoU of a first-round match (default 0.2)')
    .option('--buffer <frames>', 'frames a lost track is kept (default 30)')
    .option('--min-hits <n>', 'detections before a track is confirmed (default 2)')
    .option('--frame-rate <fps>', 'frame rate (default: seqinfo.ini next to the file, else 30)')
    .option('--class-agnostic', 'match detections to tracks of any class')
    .option('--output-box <kind>', 'filtered (Kalman) or detection', 'filtered')
    .option('--interpolate <frames>', 'fill gaps of up to this many frames within a track linearly (offline only)')
    .action(
      action(async (opts: TrackOpts) => {
        const seq = await findSeqInfo(opts.detections);
        const input: TrackerConfigInput = {
          type: opts.tracker as 'bytetrack',
          highThresh: parseOptionalNumber('--high-thresh', opts.highThresh, 0, 1),
          lowThresh: parseOptionalNumber('--low-thresh', opts.lowThresh, 0, 1),
          newTrackThresh: parseOptionalNumber('--new-track-thresh', opts.newTrackThresh, 0, 1),
          matchIou: parseOptionalNumber('--match-iou', opts.matchIou, 0.001, 1),
          buffer: parseOptionalNumber('--buffer', opts.buffer, 0, 100_000, true),
          minHits: parseOptionalNumber('--min-hits', opts.minHits, 1, 1000, true),
          frameRate: parseOptionalNumber('--frame-rate', opts.frameRate, 0.01, 10_000) ?? seq?.frameRate,
          classAware: !opts.classAgnostic,
          outputBox: opts.outputBox as 'filtered',
        };
        // Leave unset options to the schema's defaults.
        for (const k of Object.keys(input) as Array<keyof TrackerConfigInput>) if (input[k] === undefined) delete input[k];
        if (!['bytetrack', 'sort'].includes(opts.tracker)) throw new ConfigError('--tracker', `expected bytetrack or sort, got "${opts.tracker}"`);
        const cfg = parseTrackerConfig(input, 'track');
        const dets = await readMotFile(opts.detections);
        const t0 = performance.now();
        const r = trackMotDetections(dets, cfg, { lastFrame: seq?.seqLength });
        const maxGap = parseOptionalNumber('--interpolate', opts.interpolate, 0, 100_000, true) ?? 0;
        const rows = maxGap > 0 ? interpolateTracks(r.rows, maxGap) : r.rows;
        const ms = performance.now() - t0;
        await writeMotFile(opts.out, rows);
        process.stderr.write(
          `${cfg.type}: ${r.frames} frames, ${dets.length} detections → ${r.tracks} tracks, ${rows.length} boxes ` +
            (maxGap > 0 ? `(${rows.length - r.rows.length} interpolated) ` : '') +
            `in ${ms.toFixed(0)} ms (${((1000 * r.frames) / Math.max(ms, 1e-3)).toFixed(0)} frames/s, ${cfg.frameRate} fps timeline) → ${opts.out}\n`,
        );
      }),
    );
}
