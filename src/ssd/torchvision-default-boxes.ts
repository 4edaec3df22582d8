/**
 * torchvision's `DefaultBoxGenerator` (torchvision/models/detection/anchor_utils.py, used by
 * `ssd300_vgg16` and `ssdlite320_mobilenet_v3_large`), reproduced value for value:
 *
 * - scales: given, or `min_ratio + (max_ratio − min_ratio)·k/(m − 1)` for k < m, then 1.0 appended
 *   (a single map gets `[min_ratio, max_ratio]`);
 * - per location: (s_k, s_k), (√(s_k s_{k+1}), √(s_k s_{k+1})), then for each ratio r
 *   (s_k√r, s_k/√r) and (s_k/√r, s_k√r); with `clip` these w,h pairs are clamped to [0, 1];
 * - centres `(j + 0.5)/x_f` with `x_f = image_width/step` when `steps` are given, else the
 *   feature-map width (same for y with the height); locations row-major, layers in head order.
 *
 * torchvision's `forward` then turns these into xyxy pixels; this returns the normalised cx,cy,w,h
 * it starts from, which is what the box coder needs.
 */
import type { AnchorSpec } from './spec.js';
import { tileCells } from './tile-cells.js';

type TorchvisionSpec = Extract<AnchorSpec, { type: 'torchvision' }>;

/** The scales list torchvision uses (length m + 1). */
export function torchvisionScales(spec: TorchvisionSpec): number[] {
  const m = spec.featureMaps.length;
  if (spec.scales !== undefined) {
    if (spec.scales.length < m + 1) {
      throw new RangeError(`anchors.scales needs ${m + 1} values (one per feature map plus one), has ${spec.scales.length}`);
    }
    return spec.scales;
  }
  if (m === 1) return [spec.minRatio, spec.maxRatio];
  const range = spec.maxRatio - spec.minRatio;
  return [...Array.from({ length: m }, (_, k) => spec.minRatio + (range * k) / (m - 1)), 1.0];
}

/** Boxes per location for each feature map (`num_anchors_per_location`). */
export function torchvisionBoxesPerLocation(spec: TorchvisionSpec): number[] {
  checkLayers(spec);
  return spec.aspectRatios.map((r) => 2 + 2 * r.length);
}

/** `(A,4)` cx,cy,w,h normalised, in DefaultBoxGenerator order. */
export function torchvisionDefaultBoxes(spec: TorchvisionSpec, imageWidth: number, imageHeight: number): Float32Array {
  const perLoc = torchvisionBoxesPerLocation(spec);
  const scales = torchvisionScales(spec);
  const total = spec.featureMaps.reduce((n, [h, w], k) => n + h * w * perLoc[k], 0);
  const out = new Float32Array(total * 4);
  const clamp = (v: number) => (spec.clip ? Math.min(1, Math.max(0, v)) : v);
  let o = 0;
  spec.featureMaps.forEach(([fh, fw], k) => {
    const sk = scales[k];
    const sPrime = Math.sqrt(sk * scales[k + 1]);
    const wh: number[] = [sk, sk, sPrime, sPrime];
    for (const r of spec.aspectRatios[k]) {
      const q = Math.sqrt(r);
      wh.push(sk * q, sk / q, sk / q, sk * q);
    }
    const xf = spec.steps ? imageWidth / spec.steps[k] : fw;
    const yf = spec.steps ? imageHeight / spec.steps[k] : fh;
    // torchvision computes the shift in float32 ((arange + 0.5) / f as a float32 tensor).
    const centre = (f: number) => (index: number) => Math.fround(Math.fround(index + 0.5) / Math.fround(f));
    o = tileCells(out, o, fh, fw, wh.map(clamp), centre(xf), centre(yf));
  });
  return out;
}

function checkLayers(spec: TorchvisionSpec): void {
  const m = spec.featureMaps.length;
  if (spec.aspectRatios.length !== m) {
    throw new RangeError(`anchors.aspectRatios has ${spec.aspectRatios.length} layers but anchors.featureMaps has ${m}`);
  }
  if (spec.steps !== undefined && spec.steps.length !== m) {
    throw new RangeError(`anchors.steps has ${spec.steps.length} values but anchors.featureMaps has ${m}`);
  }
}
