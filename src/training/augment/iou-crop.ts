/**
 * Random crop constrained by IoU with the objects (SSD paper §2.2 "Data augmentation"): each
 * sample either keeps the whole picture, or takes a patch whose IoU with at least one object is
 * ≥ one of {0.1, 0.3, 0.5, 0.7, 0.9}, or takes any patch. Patch sides are [minScale, 1] of the
 * picture with aspect ratio in [1/2, 2]; objects whose centre falls in the patch are kept and
 * clipped. "At least one object" follows the reference Caffe sampler (`SatisfySampleConstraint`).
 */
import { iouMatrix } from '../../ssd/iou.js';
import type { Rng } from './rng.js';
import { boxesInWindow, type View } from './view.js';

/** Crop settings. */
export interface IouCropOptions {
  /** Choices drawn uniformly: `null` = whole picture, a number = min IoU, `0` = any patch. */
  minIouChoices: (number | null)[];
  /** Smallest patch side relative to the current window. */
  minScale: number;
  /** Patch aspect ratio (w/h of the patch relative to the window) bounds. */
  aspectRange: [number, number];
  /** Patches tried per choice before giving up and keeping the whole picture. */
  maxTrials: number;
}

/** The paper's choices. */
export const DEFAULT_IOU_CROP: Readonly<IouCropOptions> = Object.freeze({
  minIouChoices: [null, 0.1, 0.3, 0.5, 0.7, 0.9, 0],
  minScale: 0.3,
  aspectRange: [0.5, 2] as [number, number],
  maxTrials: 50,
});

/** Result of {@link iouCrop}: the patch window and the indices of the boxes that stay. */
export interface CropResult {
  view: View;
  /** `(K,4)` kept boxes clipped to the patch, source pixels. */
  boxesXyxy: Float32Array;
  /** Indices of the kept boxes in the input. */
  keep: number[];
}

/**
 * Draws a crop of `view` for the objects `boxesXyxy` (`(N,4)` source pixels). With no objects
 * only "whole picture" and "any patch" are possible.
 */
export function iouCrop(view: View, boxesXyxy: Float32Array, rng: Rng, opts: IouCropOptions = DEFAULT_IOU_CROP): CropResult {
  const n = boxesXyxy.length / 4;
  const whole = (): CropResult => ({ view, boxesXyxy, keep: Array.from({ length: n }, (_, i) => i) });
  const choice = opts.minIouChoices[rng.int(opts.minIouChoices.length)];
  if (choice === null) return whole();
  if (n === 0 && choice > 0) return whole();
  for (let t = 0; t < opts.maxTrials; t++) {
    const w = view.w * rng.uniform(opts.minScale, 1);
    const h = view.h * rng.uniform(opts.minScale, 1);
    const left = view.x + rng.uniform(0, view.w - w);
    const top = view.y + rng.uniform(0, view.h - h);
    const ar = (w / view.w) / (h / view.h);
    if (ar < opts.aspectRange[0] || ar > opts.aspectRange[1]) continue;
    const rect = { x: left, y: top, w, h };
    if (n > 0 && choice > 0) {
      const iou = iouMatrix(Float32Array.of(left, top, left + w, top + h), boxesXyxy); // (1, N)
      let best = 0;
      for (let i = 0; i < n; i++) best = Math.max(best, iou[i]);
      if (best < choice) continue;
    }
    const { boxes, keep } = boxesInWindow(boxesXyxy, rect);
    // A patch that loses every object teaches only background; try again (reference behaviour).
    if (n > 0 && keep.length === 0) continue;
    return { view: { ...rect, flip: view.flip }, boxesXyxy: boxes, keep };
  }
  return whole();
}
