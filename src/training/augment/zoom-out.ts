/**
 * Zoom-out ("expand", SSD paper §3.6 "data augmentation for small objects"): place the picture
 * on a canvas up to `maxRatio` times its size filled with the mean colour, which shrinks objects
 * and teaches the small ones. Here the canvas is a window around the picture (see `view.ts`).
 */
import type { Rng } from './rng.js';
import type { View } from './view.js';

/** Zoom-out settings. */
export interface ZoomOutOptions {
  /** Probability of zooming out at all. */
  prob: number;
  /** Largest canvas side relative to the picture (paper: 16; reference code: 4). */
  maxRatio: number;
}

/** Reference-code values. */
export const DEFAULT_ZOOM_OUT: Readonly<ZoomOutOptions> = Object.freeze({ prob: 0.5, maxRatio: 4 });

/** The canvas window after a random zoom-out of `view` (returned unchanged when not drawn). */
export function zoomOut(view: View, rng: Rng, opts: ZoomOutOptions = DEFAULT_ZOOM_OUT): View {
  const apply = rng.chance(opts.prob);
  const ratio = rng.uniform(1, Math.max(1, opts.maxRatio));
  const fx = rng.next();
  const fy = rng.next();
  if (!apply || ratio <= 1) return view;
  const w = view.w * ratio;
  const h = view.h * ratio;
  // The picture sits at a random offset (left, top) inside the canvas.
  return { ...view, x: view.x - fx * (w - view.w), y: view.y - fy * (h - view.h), w, h };
}
