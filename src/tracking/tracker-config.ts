/**
 * Tracker options: one closed schema, defaults in one object with units, validated once and
 * frozen. The same keys are used in a pipeline YAML (`tracker:`) and by `ssd-stream track`.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Defaults (ByteTrack's published settings, expressed as IoU instead of 1 − IoU). */
export const trackerDefaults = Object.freeze({
  /** `bytetrack` (two-round association) or `sort` (one round, high scores only). */
  type: 'bytetrack' as 'bytetrack' | 'sort',
  /** Score ≥ this is a high-score detection (first round; the only ones SORT uses). */
  highThresh: 0.5, // score
  /** Scores in [lowThresh, highThresh) are kept for ByteTrack's second round; below: dropped. */
  lowThresh: 0.1, // score
  /** An unmatched high-score detection starts a track only at this score or above. */
  newTrackThresh: 0.6, // score
  /** Minimum IoU of a first-round match (high-score detections ↔ confirmed and lost tracks). */
  matchIou: 0.2, // IoU
  /** Minimum IoU of a second-round match (low-score detections ↔ tracks still tracked). */
  lowMatchIou: 0.5, // IoU
  /** Minimum IoU to match a tentative track (seen once or more, not confirmed yet). */
  tentativeMatchIou: 0.3, // IoU
  /** Detections needed before a track is confirmed, gets an ID and is output. */
  minHits: 2, // frames
  /** How long a lost track is kept for re-identification. */
  buffer: 30, // frames at `frameRate`
  /** Nominal frame rate: converts `buffer` to time and elapsed time to filter steps. */
  frameRate: 30, // frames per second
  /** Only match detections to tracks of the same class (the track's majority class). */
  classAware: true,
  /** Box output for a track: the Kalman-filtered box (smoother) or the matched detection's box. */
  outputBox: 'filtered' as 'filtered' | 'detection',
});

/** Closed schema of the `tracker` section; every key optional, defaults from {@link trackerDefaults}. */
export const trackerConfigSchema = z
  .strictObject({
    type: z.enum(['bytetrack', 'sort']).default(trackerDefaults.type),
    highThresh: z.number().min(0).max(1).default(trackerDefaults.highThresh),
    lowThresh: z.number().min(0).max(1).default(trackerDefaults.lowThresh),
    newTrackThresh: z.number().min(0).max(1).default(trackerDefaults.newTrackThresh),
    matchIou: z.number().gt(0).max(1).default(trackerDefaults.matchIou),
    lowMatchIou: z.number().gt(0).max(1).default(trackerDefaults.lowMatchIou),
    tentativeMatchIou: z.number().gt(0).max(1).default(trackerDefaults.tentativeMatchIou),
    minHits: z.number().int().min(1).default(trackerDefaults.minHits),
    buffer: z.number().int().min(0).default(trackerDefaults.buffer),
    frameRate: z.number().positive().default(trackerDefaults.frameRate),
    classAware: z.boolean().default(trackerDefaults.classAware),
    outputBox: z.enum(['filtered', 'detection']).default(trackerDefaults.outputBox),
  })
  .refine((c) => c.lowThresh <= c.highThresh, {
    message: 'lowThresh must be ≤ highThresh',
    path: ['lowThresh'],
  });

/** Validated, frozen tracker options. */
export type TrackerConfig = Readonly<z.output<typeof trackerConfigSchema>>;

/** Input form (all keys optional). */
export type TrackerConfigInput = z.input<typeof trackerConfigSchema>;

/**
 * Validates `input` against {@link trackerConfigSchema} and freezes it.
 * @param path dotted config path used in the error (`pipelines[0].tracker`).
 * @throws ConfigError naming the first bad key.
 */
export function parseTrackerConfig(input: unknown = {}, path = 'tracker'): TrackerConfig {
  const r = trackerConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = [path, ...issue.path.map(String)].filter(Boolean).join('.');
    throw new ConfigError(key, issue.message);
  }
  return Object.freeze(r.data);
}
