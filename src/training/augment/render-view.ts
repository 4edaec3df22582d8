/**
 * Resamples a window of an rgb24 picture into the model input in one pass: bilinear, with
 * k×k supersampling when shrinking (k = the shrink factor, at most 4) so a 1080p frame brought
 * to 300 px is area-averaged like ffmpeg's scaler does at inference, not aliased. Window parts
 * outside the picture get `fill` (the zoom-out colour); input parts outside the placement are
 * black, as the inference path pads.
 */
import type { RgbImage } from './sample.js';
import type { View } from './view.js';

/** Where the window's picture sits inside the input (see `src/ssd/letterbox.ts`). */
export interface PlacementPx {
  scaledWidth: number;
  scaledHeight: number;
  offsetX: number;
  offsetY: number;
}

const MAX_SUPERSAMPLE = 4;

/**
 * Renders `view` of `src` into a new `outW × outH` rgb24 buffer.
 * @param fill RGB of window areas outside the picture (zoom-out canvas)
 */
export function renderView(src: RgbImage, view: View, outW: number, outH: number, place: PlacementPx, fill: readonly [number, number, number]): Uint8Array {
  const out = new Uint8Array(outW * outH * 3); // black padding by default
  const { width: W, height: H, data } = src;
  const sw = place.scaledWidth;
  const sh = place.scaledHeight;
  const stepX = view.w / sw; // source pixels per output pixel
  const stepY = view.h / sh;
  const kx = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(stepX - 1e-9)));
  const ky = Math.min(MAX_SUPERSAMPLE, Math.max(1, Math.ceil(stepY - 1e-9)));
  const inv = 1 / (kx * ky);
  const acc = new Float64Array(3);
  // Source x of every (output column, subsample) pair, computed once: (sw·kx) values.
  const xs = new Float64Array(sw * kx);
  for (let u = 0; u < sw; u++) {
    const col = view.flip ? sw - 1 - u : u;
    for (let s = 0; s < kx; s++) xs[u * kx + s] = view.x + (col + (s + 0.5) / kx) * stepX - 0.5;
  }
  for (let v = 0; v < sh; v++) {
    const rowOut = ((v + place.offsetY) * outW + place.offsetX) * 3;
    for (let u = 0; u < sw; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let t = 0; t < ky; t++) {
        const y = view.y + (v + (t + 0.5) / ky) * stepY - 0.5;
        for (let s = 0; s < kx; s++) {
          const x = xs[u * kx + s];
          // Outside the picture (beyond half a pixel of its edge): zoom-out fill.
          if (x < -0.5 || y < -0.5 || x > W - 0.5 || y > H - 0.5) {
            acc[0] += fill[0];
            acc[1] += fill[1];
            acc[2] += fill[2];
            continue;
          }
          const xc = Math.min(Math.max(x, 0), W - 1);
          const yc = Math.min(Math.max(y, 0), H - 1);
          const x0 = Math.floor(xc);
          const y0 = Math.floor(yc);
          const x1 = Math.min(x0 + 1, W - 1);
          const y1 = Math.min(y0 + 1, H - 1);
          const fx = xc - x0;
          const fy = yc - y0;
          const p00 = (y0 * W + x0) * 3;
          const p01 = (y0 * W + x1) * 3;
          const p10 = (y1 * W + x0) * 3;
          const p11 = (y1 * W + x1) * 3;
          for (let c = 0; c < 3; c++) {
            const top = data[p00 + c] + (data[p01 + c] - data[p00 + c]) * fx;
            const bot = data[p10 + c] + (data[p11 + c] - data[p10 + c]) * fx;
            acc[c] += top + (bot - top) * fy;
          }
        }
      }
      const o = rowOut + u * 3;
      out[o] = Math.round(acc[0] * inv);
      out[o + 1] = Math.round(acc[1] * inv);
      out[o + 2] = Math.round(acc[2] * inv);
    }
  }
  return out;
}
