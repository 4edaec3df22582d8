/**
 * Intersection over union and clipping for `xyxy` boxes (any unit, as long as both sides agree).
 * A box with zero or negative area has IoU 0 with everything, so degenerate boxes never produce
 * NaN (torchvision's `box_iou` yields NaN for 0/0; nothing downstream wants that).
 */

/**
 * Pairwise IoU.
 * @param a `(N,4)` x1,y1,x2,y2
 * @param b `(M,4)` x1,y1,x2,y2
 * @returns `(N,M)` row-major, `[i * M + j]` = IoU(a_i, b_j)
 */
export function iouMatrix(a: Float32Array, b: Float32Array): Float32Array {
  const n = a.length >> 2;
  const m = b.length >> 2;
  const out = new Float32Array(n * m);
  // Areas of b once, not once per row of a.
  const areaB = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    areaB[j] = Math.max(0, b[4 * j + 2] - b[4 * j]) * Math.max(0, b[4 * j + 3] - b[4 * j + 1]);
  }
  for (let i = 0; i < n; i++) {
    const ax1 = a[4 * i], ay1 = a[4 * i + 1], ax2 = a[4 * i + 2], ay2 = a[4 * i + 3];
    const areaA = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1);
    const row = i * m;
    for (let j = 0; j < m; j++) {
      const iw = Math.min(ax2, b[4 * j + 2]) - Math.max(ax1, b[4 * j]);
      if (iw <= 0) continue;
      const ih = Math.min(ay2, b[4 * j + 3]) - Math.max(ay1, b[4 * j + 1]);
      if (ih <= 0) continue;
      const inter = iw * ih;
      const union = areaA + areaB[j] - inter;
      out[row + j] = union > 0 ? inter / union : 0;
    }
  }
  return out;
}

/** IoU of box `i` of `a` with box `j` of `b` (both `(·,4)` xyxy); 0 when the union is empty. */
export function iouPair(a: Float32Array, i: number, b: Float32Array, j: number): number {
  const ax1 = a[4 * i], ay1 = a[4 * i + 1], ax2 = a[4 * i + 2], ay2 = a[4 * i + 3];
  const bx1 = b[4 * j], by1 = b[4 * j + 1], bx2 = b[4 * j + 2], by2 = b[4 * j + 3];
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union =
    Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1) +
    Math.max(0, bx2 - bx1) * Math.max(0, by2 - by1) -
    inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Clamps every coordinate of `(N,4)` boxes to `[lo, hi]` in place (default the normalised
 * frame [0, 1]); returns `b`.
 */
export function clipBoxesXyxy(b: Float32Array, lo = 0, hi = 1): Float32Array {
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    b[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return b;
}
