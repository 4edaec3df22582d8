/**
 * Where a source picture sits inside the model input, and the way back. `stretch` scales the
 * source to the input size (aspect ratio lost); `pad` scales by the smaller factor, keeps the
 * aspect ratio and leaves black bars (face-api pads to a square this way, top-left aligned).
 *
 * Sizes are rounded to whole pixels because the picture really is resized to whole pixels (by
 * ffmpeg, or face-api's `computeReshapedDimensions`, which rounds the same way); mapping boxes
 * back with the rounded size is what makes the round trip exact.
 */
import type { InputSpec } from './spec.js';

/** Rectangle of the model input (pixels) covered by the scaled source picture. */
export interface Placement {
  scaledWidth: number;
  scaledHeight: number;
  offsetX: number;
  offsetY: number;
}

type InputGeometry = Pick<InputSpec, 'width' | 'height' | 'resize' | 'padAlign'>;

/**
 * Placement of a `srcW × srcH` picture inside the model input. Centre alignment puts the odd
 * pixel of padding on the right/bottom (offset rounded down).
 */
export function placeInInput(srcW: number, srcH: number, input: InputGeometry): Placement {
  if (!(srcW > 0 && srcH > 0)) {
    throw new RangeError(`placeInInput: source size ${srcW}x${srcH} must be positive`);
  }
  if (input.resize === 'stretch') {
    return { scaledWidth: input.width, scaledHeight: input.height, offsetX: 0, offsetY: 0 };
  }
  const scale = Math.min(input.width / srcW, input.height / srcH);
  const scaledWidth = Math.max(1, Math.min(input.width, Math.round(srcW * scale)));
  const scaledHeight = Math.max(1, Math.min(input.height, Math.round(srcH * scale)));
  if (input.padAlign === 'center') {
    return {
      scaledWidth,
      scaledHeight,
      offsetX: Math.floor((input.width - scaledWidth) / 2),
      offsetY: Math.floor((input.height - scaledHeight) / 2),
    };
  }
  return { scaledWidth, scaledHeight, offsetX: 0, offsetY: 0 };
}

/**
 * Maps boxes normalised to the model input into boxes normalised to the source frame, in place,
 * clipped to [0, 1] (a box reaching into the padding ends at the picture's edge).
 * @param boxesXyxy `(≥count, 4)` x1,y1,x2,y2 normalised to the model input
 */
export function inputToSourceBoxes(
  boxesXyxy: Float32Array,
  count: number,
  input: InputGeometry,
  srcW: number,
  srcH: number,
): Float32Array {
  const p = placeInInput(srcW, srcH, input);
  // x_src = (x_in * W − offsetX) / scaledWidth, folded into one multiply-add per coordinate.
  const sx = input.width / p.scaledWidth;
  const sy = input.height / p.scaledHeight;
  const ox = p.offsetX / p.scaledWidth;
  const oy = p.offsetY / p.scaledHeight;
  for (let i = 0; i < count * 4; i += 4) {
    boxesXyxy[i] = clip01(boxesXyxy[i] * sx - ox);
    boxesXyxy[i + 1] = clip01(boxesXyxy[i + 1] * sy - oy);
    boxesXyxy[i + 2] = clip01(boxesXyxy[i + 2] * sx - ox);
    boxesXyxy[i + 3] = clip01(boxesXyxy[i + 3] * sy - oy);
  }
  return boxesXyxy;
}

/** Inverse of {@link inputToSourceBoxes} without clipping: source-normalised → input-normalised, in place. */
export function sourceToInputBoxes(
  boxesXyxy: Float32Array,
  count: number,
  input: InputGeometry,
  srcW: number,
  srcH: number,
): Float32Array {
  const p = placeInInput(srcW, srcH, input);
  const sx = p.scaledWidth / input.width;
  const sy = p.scaledHeight / input.height;
  const ox = p.offsetX / input.width;
  const oy = p.offsetY / input.height;
  for (let i = 0; i < count * 4; i += 4) {
    boxesXyxy[i] = boxesXyxy[i] * sx + ox;
    boxesXyxy[i + 1] = boxesXyxy[i + 1] * sy + oy;
    boxesXyxy[i + 2] = boxesXyxy[i + 2] * sx + ox;
    boxesXyxy[i + 3] = boxesXyxy[i + 3] * sy + oy;
  }
  return boxesXyxy;
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
