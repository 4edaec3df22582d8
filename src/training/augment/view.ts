/**
 * The geometric part of SSD augmentation as one window onto the source picture. Zoom-out
 * (expand), IoU-constrained crop and horizontal flip are all scale/translate/mirror maps, so
 * instead of building the 4× expanded canvas and cropping it (tens of megapixels for a video
 * frame), the steps only move a window in source-pixel coordinates; the picture is resampled
 * once, straight from the source to the model input (`render-view.ts`).
 */

/** A window in source-pixel coordinates; parts outside the picture are zoom-out fill. */
export interface View {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Mirror the window left-right. */
  flip: boolean;
}

/** The whole picture. */
export function fullView(width: number, height: number): View {
  return { x: 0, y: 0, w: width, h: height, flip: false };
}

/**
 * Boxes seen through a crop window: those whose centre lies inside `rect` (SSD paper §2.2 /
 * the Caffe sampler's "emit constraint"), clipped to it. Pixel xyxy in, pixel xyxy out.
 * @param boxesXyxy `(N,4)`
 * @returns kept boxes `(K,4)` and their indices into the input `(K)`
 */
export function boxesInWindow(boxesXyxy: Float32Array, rect: Omit<View, 'flip'>, byCentre = true): { boxes: Float32Array; keep: number[] } {
  const keep: number[] = [];
  const out: number[] = [];
  const x2r = rect.x + rect.w;
  const y2r = rect.y + rect.h;
  for (let i = 0; i < boxesXyxy.length / 4; i++) {
    const [x1, y1, x2, y2] = boxesXyxy.subarray(4 * i, 4 * i + 4);
    if (byCentre) {
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      if (cx < rect.x || cx >= x2r || cy < rect.y || cy >= y2r) continue;
    }
    const c = [Math.max(x1, rect.x), Math.max(y1, rect.y), Math.min(x2, x2r), Math.min(y2, y2r)];
    if (c[2] <= c[0] || c[3] <= c[1]) continue;
    keep.push(i);
    out.push(...c);
  }
  return { boxes: Float32Array.from(out), keep };
}

/**
 * Maps pixel boxes inside `view` to boxes normalised to the model input, where the window's
 * picture occupies `placement` (pixels of the `inputW × inputH` input). Mirrors when
 * `view.flip`. In place-free: returns a new array.
 * @param boxesXyxy `(N,4)` source pixels, already inside the window
 */
export function viewBoxesToInput(
  boxesXyxy: Float32Array,
  view: View,
  placement: { scaledWidth: number; scaledHeight: number; offsetX: number; offsetY: number },
  inputW: number,
  inputH: number,
): Float32Array {
  const out = new Float32Array(boxesXyxy.length);
  const sx = placement.scaledWidth / view.w / inputW;
  const sy = placement.scaledHeight / view.h / inputH;
  const ox = placement.offsetX / inputW;
  const oy = placement.offsetY / inputH;
  const span = placement.scaledWidth / inputW;
  for (let i = 0; i < boxesXyxy.length; i += 4) {
    let x1 = (boxesXyxy[i] - view.x) * sx;
    let x2 = (boxesXyxy[i + 2] - view.x) * sx;
    if (view.flip) [x1, x2] = [span - x2, span - x1];
    out[i] = x1 + ox;
    out[i + 1] = (boxesXyxy[i + 1] - view.y) * sy + oy;
    out[i + 2] = x2 + ox;
    out[i + 3] = (boxesXyxy[i + 3] - view.y) * sy + oy;
  }
  return out;
}
