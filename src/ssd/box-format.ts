/**
 * Box format converters. Every array is `(N, 4)` row-major, N = `length / 4`; the format is in
 * the function name, and the unit (normalised or pixels) is whatever the caller passes in —
 * these conversions are linear, so they never care.
 *
 * Each converter writes into `out` when given (which may be `b` itself: every row is read fully
 * before it is written) or into a new array.
 */

function target(b: Float32Array, out: Float32Array | undefined, name: string): Float32Array {
  if (b.length % 4 !== 0) {
    throw new RangeError(`${name}: box array length ${b.length} is not a multiple of 4`);
  }
  if (out === undefined) return new Float32Array(b.length);
  if (out.length < b.length) {
    throw new RangeError(`${name}: out has ${out.length} values, needs ${b.length}`);
  }
  return out;
}

/** `(N,4)` cx,cy,w,h → `(N,4)` x1,y1,x2,y2. */
export function cxcywhToXyxy(b: Float32Array, out?: Float32Array): Float32Array {
  const o = target(b, out, 'cxcywhToXyxy');
  for (let i = 0; i < b.length; i += 4) {
    const cx = b[i], cy = b[i + 1], hw = b[i + 2] * 0.5, hh = b[i + 3] * 0.5;
    o[i] = cx - hw;
    o[i + 1] = cy - hh;
    o[i + 2] = cx + hw;
    o[i + 3] = cy + hh;
  }
  return o;
}

/** `(N,4)` x1,y1,x2,y2 → `(N,4)` cx,cy,w,h. */
export function xyxyToCxcywh(b: Float32Array, out?: Float32Array): Float32Array {
  const o = target(b, out, 'xyxyToCxcywh');
  for (let i = 0; i < b.length; i += 4) {
    const x1 = b[i], y1 = b[i + 1], x2 = b[i + 2], y2 = b[i + 3];
    o[i] = (x1 + x2) * 0.5;
    o[i + 1] = (y1 + y2) * 0.5;
    o[i + 2] = x2 - x1;
    o[i + 3] = y2 - y1;
  }
  return o;
}

/** `(N,4)` x,y,w,h with x,y the top-left corner (COCO) → `(N,4)` x1,y1,x2,y2. */
export function xywhToXyxy(b: Float32Array, out?: Float32Array): Float32Array {
  const o = target(b, out, 'xywhToXyxy');
  for (let i = 0; i < b.length; i += 4) {
    const x = b[i], y = b[i + 1], w = b[i + 2], h = b[i + 3];
    o[i] = x;
    o[i + 1] = y;
    o[i + 2] = x + w;
    o[i + 3] = y + h;
  }
  return o;
}

/** `(N,4)` x1,y1,x2,y2 → `(N,4)` x,y,w,h with x,y the top-left corner (COCO). */
export function xyxyToXywh(b: Float32Array, out?: Float32Array): Float32Array {
  const o = target(b, out, 'xyxyToXywh');
  for (let i = 0; i < b.length; i += 4) {
    const x1 = b[i], y1 = b[i + 1], x2 = b[i + 2], y2 = b[i + 3];
    o[i] = x1;
    o[i + 1] = y1;
    o[i + 2] = x2 - x1;
    o[i + 3] = y2 - y1;
  }
  return o;
}

/** `(N,4)` y1,x1,y2,x2 (TF OD API corners) → `(N,4)` x1,y1,x2,y2. Its own inverse. */
export function yxyxToXyxy(b: Float32Array, out?: Float32Array): Float32Array {
  const o = target(b, out, 'yxyxToXyxy');
  for (let i = 0; i < b.length; i += 4) {
    const y1 = b[i], x1 = b[i + 1], y2 = b[i + 2], x2 = b[i + 3];
    o[i] = x1;
    o[i + 1] = y1;
    o[i + 2] = x2;
    o[i + 3] = y2;
  }
  return o;
}
