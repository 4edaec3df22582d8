/**
 * Photometric distortion of the SSD paper (§2.2 / §3.6, "similar to [Howard 2013]"; the
 * reference Caffe and ssd.pytorch code): random brightness, then contrast either before or after
 * random saturation and hue, each applied with probability 0.5, and an optional random channel
 * swap. Works in place on rgb24.
 */
import type { Rng } from './rng.js';

/** Distortion ranges; defaults in {@link DEFAULT_PHOTOMETRIC}. */
export interface PhotometricOptions {
  /** Probability of each individual distortion. */
  prob: number;
  /** Brightness: add a value uniform in ±delta (0..255 units). */
  brightnessDelta: number;
  /** Contrast: multiply by a factor uniform in [lo, hi]. */
  contrast: [number, number];
  /** Saturation: multiply HSV saturation by a factor uniform in [lo, hi]. */
  saturation: [number, number];
  /** Hue: rotate by a value uniform in ±delta degrees. */
  hueDelta: number;
  /** Probability of permuting the RGB channels (off by default: colour often names a class). */
  channelSwapProb: number;
}

/** The reference implementation's values. */
export const DEFAULT_PHOTOMETRIC: Readonly<PhotometricOptions> = Object.freeze({
  prob: 0.5,
  brightnessDelta: 32,
  contrast: [0.5, 1.5] as [number, number],
  saturation: [0.5, 1.5] as [number, number],
  hueDelta: 18, // degrees
  channelSwapProb: 0,
});

/** The random draws of one distortion, decided before touching pixels. */
interface Draws {
  brightness: number;
  contrast: number;
  contrastFirst: boolean;
  saturation: number;
  hue: number;
  perm: [number, number, number] | undefined;
}

function draw(rng: Rng, o: PhotometricOptions): Draws {
  // Every draw happens in a fixed order whatever is enabled, so toggling one option does not
  // shift the random stream of the others.
  const b = rng.chance(o.prob);
  const bv = rng.uniform(-o.brightnessDelta, o.brightnessDelta);
  const contrastFirst = rng.chance(0.5);
  const c = rng.chance(o.prob);
  const cv = rng.uniform(o.contrast[0], o.contrast[1]);
  const s = rng.chance(o.prob);
  const sv = rng.uniform(o.saturation[0], o.saturation[1]);
  const h = rng.chance(o.prob);
  const hv = rng.uniform(-o.hueDelta, o.hueDelta);
  const sw = rng.chance(o.channelSwapProb);
  const perms: [number, number, number][] = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const perm = perms[rng.int(perms.length)];
  return {
    brightness: b ? bv : 0,
    contrast: c ? cv : 1,
    contrastFirst,
    saturation: s ? sv : 1,
    hue: h ? hv : 0,
    perm: sw ? perm : undefined,
  };
}

/** Rotates hue by `hueDeg` and scales saturation by `sat` of one pixel in [0,255] floats. */
function hsvAdjust(px: Float32Array, sat: number, hueDeg: number): void {
  const r = px[0], g = px[1], b = px[2];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  if (max <= 0) return;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h *= 60;
  }
  const s = Math.min(1, (d / max) * sat);
  h = (((h + hueDeg) % 360) + 360) % 360;
  const v = max;
  const c = v * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = v - c;
  const k = Math.floor(h / 60);
  const [rr, gg, bb] = k === 0 ? [c, x, 0] : k === 1 ? [x, c, 0] : k === 2 ? [0, c, x] : k === 3 ? [0, x, c] : k === 4 ? [x, 0, c] : [c, 0, x];
  px[0] = rr + m;
  px[1] = gg + m;
  px[2] = bb + m;
}

const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Distorts the rgb24 `data` in place with draws from `rng`. */
export function photometricDistort(data: Uint8Array, rng: Rng, options: PhotometricOptions = DEFAULT_PHOTOMETRIC): Uint8Array {
  const d = draw(rng, options);
  const hsv = d.saturation !== 1 || d.hue !== 0;
  if (d.brightness === 0 && d.contrast === 1 && !hsv && !d.perm) return data;
  const px = new Float32Array(3);
  for (let i = 0; i < data.length; i += 3) {
    // Each step clamps to [0,255] as the reference does between its float ops.
    px[0] = clampByte(data[i] + d.brightness);
    px[1] = clampByte(data[i + 1] + d.brightness);
    px[2] = clampByte(data[i + 2] + d.brightness);
    if (d.contrastFirst && d.contrast !== 1) for (let c = 0; c < 3; c++) px[c] = clampByte(px[c] * d.contrast);
    if (hsv) hsvAdjust(px, d.saturation, d.hue);
    if (!d.contrastFirst && d.contrast !== 1) for (let c = 0; c < 3; c++) px[c] = clampByte(px[c] * d.contrast);
    if (d.perm) {
      const a = px[d.perm[0]], b = px[d.perm[1]], c = px[d.perm[2]];
      px[0] = a;
      px[1] = b;
      px[2] = c;
    }
    data[i] = Math.round(clampByte(px[0]));
    data[i + 1] = Math.round(clampByte(px[1]));
    data[i + 2] = Math.round(clampByte(px[2]));
  }
  return data;
}
