/**
 * Gap filling for offline tracking results: when a track is missing for a few frames (a missed
 * detection, a short occlusion) and then found again with the same ID, the missing boxes are
 * linearly interpolated. This is the usual post-processing of offline MOT results (ByteTrack
 * applies it for MOT20); live streams cannot use it because it needs the future.
 */
import type { MotRow } from './mot.js';

/**
 * Returns `rows` plus interpolated rows for every gap of at most `maxGap` missing frames within
 * one ID. Interpolated rows carry the lower score of the two ends. Sorted by frame, then id.
 */
export function interpolateTracks(rows: MotRow[], maxGap: number): MotRow[] {
  const byId = new Map<number, MotRow[]>();
  for (const r of rows) (byId.get(r.id) ?? byId.set(r.id, []).get(r.id)!).push(r);
  const out: MotRow[] = [...rows];
  for (const track of byId.values()) {
    track.sort((a, b) => a.frame - b.frame);
    for (let k = 1; k < track.length; k++) {
      const a = track[k - 1];
      const b = track[k];
      const missing = b.frame - a.frame - 1;
      if (missing < 1 || missing > maxGap) continue;
      for (let f = a.frame + 1; f < b.frame; f++) {
        const t = (f - a.frame) / (b.frame - a.frame);
        out.push({
          frame: f,
          id: a.id,
          box: [0, 1, 2, 3].map((i) => a.box[i] + t * (b.box[i] - a.box[i])) as MotRow['box'],
          conf: Math.min(a.conf, b.conf),
        });
      }
    }
  }
  return out.sort((p, q) => p.frame - q.frame || p.id - q.id);
}
