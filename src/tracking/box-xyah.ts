/**
 * Box conversions and the IoU cost kernel used by the trackers. Boxes are `xyxy` in whatever
 * unit the caller uses (normalised in `serve`, pixels in `track` over MOTChallenge files): every
 * quantity here is scale-invariant or relative to the box height, so the unit never matters.
 */

/** `[x1,y1,x2,y2]` → `[cx, cy, a = w/h, h]` written into `out` at `offset`. */
export function xyxyToXyah(
  box: readonly [number, number, number, number],
  out: Float64Array,
  offset = 0,
): Float64Array {
  const w = box[2] - box[0];
  // A zero-height box would make the aspect ratio infinite and poison the filter.
  const h = Math.max(box[3] - box[1], 1e-9);
  out[offset] = box[0] + w / 2;
  out[offset + 1] = box[1] + h / 2;
  out[offset + 2] = w / h;
  out[offset + 3] = h;
  return out;
}

/** `[cx, cy, a, h]` read from `state` at `offset` → `[x1,y1,x2,y2]`. */
export function xyahToXyxy(state: ArrayLike<number>, offset = 0): [number, number, number, number] {
  const h = state[offset + 3];
  const w = state[offset + 2] * h;
  const cx = state[offset];
  const cy = state[offset + 1];
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** IoU of two `xyxy` boxes; 0 when either is empty. */
export function iouXyxy(a: ArrayLike<number>, b: ArrayLike<number>, ai = 0, bi = 0): number {
  const iw = Math.min(a[ai + 2], b[bi + 2]) - Math.max(a[ai], b[bi]);
  if (iw <= 0) return 0;
  const ih = Math.min(a[ai + 3], b[bi + 3]) - Math.max(a[ai + 1], b[bi + 1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const union =
    (a[ai + 2] - a[ai]) * (a[ai + 3] - a[ai + 1]) + (b[bi + 2] - b[bi]) * (b[bi + 3] - b[bi + 1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Pairwise IoU of `a` (N, 4) and `b` (M, 4), both packed `xyxy`, into a row-major (N, M) matrix.
 * Boxes that do not overlap in x are skipped before the y test: most pairs in a scene are far
 * apart, and this is the inner loop of every tracker update.
 */
export function iouMatrixXyxy(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length / 4;
  const m = b.length / 4;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) out[i * m + j] = iouXyxy(a, b, i * 4, j * 4);
  }
  return out;
}
