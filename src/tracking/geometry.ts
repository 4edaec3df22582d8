/**
 * Plane geometry for zones and lines, in normalised image coordinates (x right, y down).
 */

/** A point `[x, y]`. */
export type Point = readonly [number, number];

/** Which point of a box stands for the object: the bottom centre is where a person or car touches the ground. */
export type Anchor = 'bottom-center' | 'center';

/** The anchor point of an `xyxy` box. */
export function anchorPoint(box: readonly [number, number, number, number], anchor: Anchor = 'bottom-center'): Point {
  const x = (box[0] + box[2]) / 2;
  return anchor === 'center' ? [x, (box[1] + box[3]) / 2] : [x, box[3]];
}

/**
 * Even–odd ray casting: true when `p` is inside the polygon (vertices in order, either winding;
 * the closing edge is implied). Points exactly on an edge may land either way.
 */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  const [x, y] = p;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Signed distance of `p` from the infinite line through `from → to`. Positive on the right of the
 * direction of travel as seen on screen (y down): for a line drawn left to right, below it.
 */
export function signedDistance(p: Point, from: Point, to: Point): number {
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  const len = Math.hypot(dx, dy) || 1;
  return (dx * (p[1] - from[1]) - dy * (p[0] - from[0])) / len;
}

/**
 * Where the movement `p0 → p1` meets the line through `from → to`, as the fraction `u` along
 * `from → to` (0 at `from`, 1 at `to`); NaN when the movement is parallel to it.
 */
export function crossingFraction(p0: Point, p1: Point, from: Point, to: Point): number {
  const rx = p1[0] - p0[0];
  const ry = p1[1] - p0[1];
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  const denom = dx * ry - dy * rx;
  if (denom === 0) return NaN;
  return ((p0[0] - from[0]) * ry - (p0[1] - from[1]) * rx) / denom;
}
