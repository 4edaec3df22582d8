/**
 * One association round: IoU between predicted track boxes and detections, gated by a minimum
 * IoU and (optionally) by class, solved optimally by {@link solveSparseAssignment}.
 *
 * Why a sweep instead of the full (N, M) IoU matrix: with hundreds of objects almost every pair
 * is far apart. Detections sorted by left edge let each track visit only those whose x-range can
 * overlap its own, so the round costs O((N + M) log M + overlapping pairs) rather than O(N·M).
 */
import type { Detection } from '../types.js';
import { iouXyxy } from './box-xyah.js';
import { solveSparseAssignment, type SparseCosts } from './linear-assignment.js';
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

  // (M, 4) xyxy detections, and their indices sorted by x1.
  const db = new Float64Array(m * 4);
  let maxW = 0;
  for (let j = 0; j < m; j++) {
    db.set(detections[j].box, j * 4);
    maxW = Math.max(maxW, db[j * 4 + 2] - db[j * 4]);
  }
  const order = Int32Array.from({ length: m }, (_, j) => j).sort((a, b) => db[a * 4] - db[b * 4]);
  const x1Sorted = Float64Array.from(order, (j) => db[j * 4]);

  let cap = Math.max(16, 2 * Math.max(n, m));
  let pairs: SparseCosts = { rows: new Int32Array(cap), cols: new Int32Array(cap), costs: new Float64Array(cap), length: 0 };
  const push = (i: number, j: number, c: number): void => {
    if (pairs.length === cap) {
      cap *= 2;
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (k: number) => T): T => {
        const b = make(cap);
        b.set(a);
        return b;
      };
      pairs = {
        rows: grow(pairs.rows, (k) => new Int32Array(k)),
        cols: grow(pairs.cols, (k) => new Int32Array(k)),
        costs: grow(pairs.costs, (k) => new Float64Array(k)),
        length: pairs.length,
      };
    }
    pairs.rows[pairs.length] = i;
    pairs.cols[pairs.length] = j;
    pairs.costs[pairs.length++] = c;
  };

  const tb = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    tb.set(tracks[i].box);
    const cls = tracks[i].classId;
    // First detection whose x1 could still overlap: x1 > track.x1 − widest detection.
    let lo = 0;
    let hi = m;
    const from = tb[0] - maxW;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x1Sorted[mid] <= from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < m && x1Sorted[k] < tb[2]; k++) {
      const j = order[k];
      if (classAware && detections[j].classId !== cls) continue;
      const iou = iouXyxy(tb, db, 0, j * 4);
      if (iou > 0 && iou >= minIou) push(i, j, 1 - iou);
    }
  }
  const a = solveSparseAssignment(pairs, n, m, 1 - minIou);
  return {
    matches: a.matches.map(([i, j]) => [tracks[i], detections[j]]),
    unmatchedTracks: a.unmatchedRows.map((i) => tracks[i]),
    unmatchedDetections: a.unmatchedCols.map((j) => detections[j]),
  };
}
