/**
 * Default boxes of the SSD paper (Liu et al. 2016, "SSD: Single Shot MultiBox Detector",
 * §2.2 "Choosing scales and aspect ratios for default boxes"):
 *
 *   s_k = s_min + (s_max − s_min)(k − 1)/(m − 1),   k ∈ [1, m]
 *   w = s_k √a_r,  h = s_k / √a_r,  plus one extra ratio-1 box of size s'_k = √(s_k s_{k+1})
 *   centre ((j + 0.5)/|f_k|, (i + 0.5)/|f_k|)
 *
 * The paper leaves s_{m+1} (needed by the last layer's extra box) open; Caffe SSD (and
 * ssd.pytorch after it) extend the same linear step one layer further — SSD300's last
 * `max_size` is 315 = 264 + 51 — so this does the same. Order per location is ssd.pytorch's /
 * Caffe `PriorBox`'s: (s_k, s_k), (s'_k, s'_k), then for each listed ratio r: (r), and (1/r)
 * when `flip`. Locations run row-major (y outer, x inner), layers in head order. Centres use the
 * paper's `(j + 0.5)/|f_k|` (no `steps`): the input size does not enter. ssd.pytorch's SSD300
 * priors use explicit sizes and steps (38×38 with step 8 → centres (j + 0.5)·8/300); that exact
 * layout, in this same order, is the `torchvision` type with `scales` [30, 60, 111, 162, 213,
 * 264, 315]/300 and `steps` [8, 16, 32, 64, 100, 300].
 */
import type { AnchorSpec } from './spec.js';
import { tileCells } from './tile-cells.js';

type SsdPaperSpec = Extract<AnchorSpec, { type: 'ssd' }>;

/** Scales s_1..s_{m+1} (the last one extrapolated, see the file comment). */
export function ssdPaperScales(spec: SsdPaperSpec): number[] {
  const m = spec.featureMaps.length;
  const step = m > 1 ? (spec.maxScale - spec.minScale) / (m - 1) : spec.maxScale - spec.minScale;
  return Array.from({ length: m + 1 }, (_, k) => spec.minScale + step * k);
}

/** Boxes per location for each feature map. */
export function ssdPaperBoxesPerLocation(spec: SsdPaperSpec): number[] {
  checkLayers(spec);
  return spec.aspectRatios.map((r) => 2 + r.length * (spec.flip ? 2 : 1));
}

/** `(A,4)` cx,cy,w,h normalised, in PriorBox order. */
export function ssdPaperBoxes(spec: SsdPaperSpec): Float32Array {
  const perLoc = ssdPaperBoxesPerLocation(spec);
  const scales = ssdPaperScales(spec);
  const total = spec.featureMaps.reduce((n, [h, w], k) => n + h * w * perLoc[k], 0);
  const out = new Float32Array(total * 4);
  let o = 0;
  spec.featureMaps.forEach(([fh, fw], k) => {
    const sk = scales[k];
    const wh: number[] = [sk, sk, Math.sqrt(sk * scales[k + 1]), Math.sqrt(sk * scales[k + 1])];
    for (const r of spec.aspectRatios[k]) {
      const q = Math.sqrt(r);
      wh.push(sk * q, sk / q);
      if (spec.flip) wh.push(sk / q, sk * q);
    }
    o = tileCells(out, o, fh, fw, wh);
  });
  // ssd.pytorch clamps all four cx,cy,w,h values; centres are inside already, so only the sizes move.
  if (spec.clip) for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]));
  return out;
}

function checkLayers(spec: SsdPaperSpec): void {
  if (spec.aspectRatios.length !== spec.featureMaps.length) {
    throw new RangeError(
      `anchors.aspectRatios has ${spec.aspectRatios.length} layers but anchors.featureMaps has ${spec.featureMaps.length}`,
    );
  }
}
