/**
 * rgb24 → the float input a model takes when it does not normalise in-graph (torchvision
 * exports): `(pixel * pixelScale - mean[c]) / std[c]`, folded per channel into one
 * multiply-add `pixel * scale[c] + offset[c]` so the loop over ~300k values stays tight.
 */
import type { InputSpec } from '../ssd/spec.js';

type Normalisation = Pick<InputSpec, 'pixelScale' | 'mean' | 'std'>;

/** Per-channel `scale` and `offset` of the folded normalisation. */
export interface ChannelAffine {
  scale: [number, number, number];
  offset: [number, number, number];
}

/** Folds `(p * pixelScale - mean) / std` into `p * scale + offset`, per channel. */
export function channelAffine(n: Normalisation): ChannelAffine {
  const scale: [number, number, number] = [0, 0, 0];
  const offset: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    scale[c] = n.pixelScale / n.std[c];
    offset[c] = -n.mean[c] / n.std[c];
  }
  return { scale, offset };
}

/**
 * Writes one picture as planar float.
 * @param rgb `(H, W, 3)` uint8 interleaved
 * @param out receives `(3, H, W)` float32 starting at `outOffset`
 */
export function rgb24ToPlanar(
  rgb: Uint8Array,
  pixels: number,
  affine: ChannelAffine,
  out: Float32Array,
  outOffset = 0,
): void {
  const [s0, s1, s2] = affine.scale;
  const [o0, o1, o2] = affine.offset;
  const r = outOffset;
  const g = outOffset + pixels;
  const b = outOffset + 2 * pixels;
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    out[r + i] = rgb[j] * s0 + o0;
    out[g + i] = rgb[j + 1] * s1 + o1;
    out[b + i] = rgb[j + 2] * s2 + o2;
  }
}

/**
 * Writes one picture as interleaved float.
 * @param rgb `(H, W, 3)` uint8 interleaved
 * @param out receives `(H, W, 3)` float32 starting at `outOffset`
 */
export function rgb24ToInterleaved(
  rgb: Uint8Array,
  pixels: number,
  affine: ChannelAffine,
  out: Float32Array,
  outOffset = 0,
): void {
  const [s0, s1, s2] = affine.scale;
  const [o0, o1, o2] = affine.offset;
  for (let j = 0; j < pixels * 3; j += 3) {
    out[outOffset + j] = rgb[j] * s0 + o0;
    out[outOffset + j + 1] = rgb[j + 1] * s1 + o1;
    out[outOffset + j + 2] = rgb[j + 2] * s2 + o2;
  }
}
