/**
 * One association round: IoU between predicted track boxes and detections, gated by a minimum
 * IoU and (optionally) by class, solved optimally by {@link solveAssignment}.
 */
import type { Detection } from '../types.js';
import { iouXyxy } from './box-xyah.js';
import { solveAssignment } from './linear-assignment.js';
import type { Track } from './track.js';

/** Result of {@link associate}. */
export interface Association {
  matches: Array<[Track, Detection]>;
  unmatchedTracks: Track[];
  unmatchedDetections: Detection[];
}

/**
 * Matches `tracks` to `detections` minimising `Σ (1 − IoU)`, allowing only pairs with
 * `IoU ≥ minIou` (and the same class as the track's majority class when `classAware`).
 */
export function associate(
  tracks: Track[],
  detections: Detection[],
  minIou: number,
  classAware: boolean,
): Association {
  const n = tracks.length;
  const m = detections.length;
  if (n === 0 || m === 0) return { matches: [], unmatchedTracks: tracks, unmatchedDetections: detections };
  // (N, 4) xyxy predicted boxes, then the (N, M) cost 1 − IoU with forbidden pairs at +∞.
  const tb = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) tb.set(tracks[i].box, i * 4);
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const cls = tracks[i].classId;
    for (let j = 0; j < m; j++) {
      const d = detections[j];
      const iou = classAware && d.classId !== cls ? 0 : iouXyxy(tb, d.box, i * 4, 0);
      cost[i * m + j] = iou >= minIou && iou > 0 ? 1 - iou : Infinity;
    }
  }
  const a = solveAssignment(cost, n, m, 1 - minIou);
  return {
    matches: a.matches.map(([i, j]) => [tracks[i], detections[j]]),
    unmatchedTracks: a.unmatchedRows.map((i) => tracks[i]),
    unmatchedDetections: a.unmatchedCols.map((j) => detections[j]),
  };
}
