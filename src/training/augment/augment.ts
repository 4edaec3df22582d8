/**
 * The SSD training augmentation chain (Liu et al. 2016 §2.2, §3.6) from a loaded sample to the
 * model input: zoom-out → IoU-constrained crop → horizontal flip → resize (stretch or pad per
 * the spec's `InputSpec`) → photometric distortion. Deterministic for a given {@link Rng}.
 *
 * Photometric distortion runs last, on the small model-size picture, rather than first on the
 * source as in the reference code: the colour maps are per pixel, so the result is the same up to
 * resampling order and the zoom-out fill being distorted too, at a fraction of the cost for
 * video frames.
 */
import { placeInInput } from '../../ssd/letterbox.js';
import type { InputSpec } from '../../ssd/spec.js';
import { iouCrop, DEFAULT_IOU_CROP, type IouCropOptions } from './iou-crop.js';
import { photometricDistort, DEFAULT_PHOTOMETRIC, type PhotometricOptions } from './photometric.js';
import { renderView } from './render-view.js';
import type { Rng } from './rng.js';
import type { DetectionSample, ModelSample } from './sample.js';
import { boxesInWindow, fullView, viewBoxesToInput, type View } from './view.js';
import { zoomOut, DEFAULT_ZOOM_OUT, type ZoomOutOptions } from './zoom-out.js';

/** The model input geometry augmentation needs. */
export type InputGeometry = Pick<InputSpec, 'width' | 'height' | 'resize' | 'padAlign'>;

/** Augmentation settings; `false` switches a step off. Defaults in {@link DEFAULT_AUGMENT}. */
export interface AugmentOptions {
  photometric: PhotometricOptions | false;
  zoomOut: ZoomOutOptions | false;
  crop: IouCropOptions | false;
  /** Probability of a horizontal flip. */
  flipProb: number;
  /** RGB of the zoom-out canvas (the ImageNet mean, as the reference code). */
  fill: [number, number, number];
  /**
   * Objects narrower or lower than this many input pixels after resizing become ignore boxes:
   * too small to learn from, but not background either.
   */
  minBoxSizePx: number;
}

/** The paper's augmentation. */
export const DEFAULT_AUGMENT: Readonly<AugmentOptions> = Object.freeze({
  photometric: DEFAULT_PHOTOMETRIC,
  zoomOut: DEFAULT_ZOOM_OUT,
  crop: DEFAULT_IOU_CROP,
  flipProb: 0.5,
  fill: [124, 116, 104] as [number, number, number],
  minBoxSizePx: 2,
});

/** No augmentation: only the resize to the model input (validation, evaluation). */
export const NO_AUGMENT: Readonly<AugmentOptions> = Object.freeze({
  ...DEFAULT_AUGMENT,
  photometric: false,
  zoomOut: false,
  crop: false,
  flipProb: 0,
});

/**
 * Turns a loaded sample into a model sample. With `rng` undefined (or {@link NO_AUGMENT}) this is
 * the plain resize the evaluation path uses.
 */
export function augmentSample(
  sample: DetectionSample,
  input: InputGeometry,
  rng?: Rng,
  options: Partial<AugmentOptions> = DEFAULT_AUGMENT,
): ModelSample {
  const opts: AugmentOptions = rng ? { ...DEFAULT_AUGMENT, ...options } : { ...NO_AUGMENT, fill: options.fill ?? NO_AUGMENT.fill };
  const { image } = sample;
  let view: View = fullView(image.width, image.height);
  let boxes = sample.boxesXyxy;
  let classIds = sample.classIds;
  let ignore = sample.ignoreXyxy;

  if (rng && opts.zoomOut) view = zoomOut(view, rng, opts.zoomOut);
  if (rng && opts.crop) {
    const crop = iouCrop(view, boxes, rng, opts.crop);
    if (crop.view !== view) {
      view = crop.view;
      boxes = crop.boxesXyxy;
      classIds = Int32Array.from(crop.keep, (i) => classIds[i]);
      ignore = boxesInWindow(ignore, view, false).boxes;
    }
  }
  if (rng && rng.chance(opts.flipProb)) view = { ...view, flip: true };

  const place = placeInInput(Math.max(1, Math.round(view.w)), Math.max(1, Math.round(view.h)), input);
  const data = renderView(image, view, input.width, input.height, place, opts.fill);
  if (rng && opts.photometric) photometricDistort(data, rng, opts.photometric);

  const boxesIn = viewBoxesToInput(boxes, view, place, input.width, input.height);
  const ignoreIn = viewBoxesToInput(ignore, view, place, input.width, input.height);
  return splitTinyBoxes({ image: { data, width: input.width, height: input.height }, boxesXyxy: boxesIn, classIds, ignoreXyxy: ignoreIn }, opts.minBoxSizePx);
}

/** Moves boxes smaller than `minPx` input pixels from the objects to the ignore boxes. */
function splitTinyBoxes(s: ModelSample, minPx: number): ModelSample {
  const minW = minPx / s.image.width;
  const minH = minPx / s.image.height;
  const keep: number[] = [];
  const tiny: number[] = [];
  for (let i = 0; i < s.classIds.length; i++) {
    const b = s.boxesXyxy;
    (b[4 * i + 2] - b[4 * i] >= minW && b[4 * i + 3] - b[4 * i + 1] >= minH ? keep : tiny).push(i);
  }
  if (tiny.length === 0) return s;
  const pick = (idx: number[]): Float32Array => {
    const out = new Float32Array(idx.length * 4);
    idx.forEach((i, k) => out.set(s.boxesXyxy.subarray(4 * i, 4 * i + 4), 4 * k));
    return out;
  };
  const ignore = new Float32Array(s.ignoreXyxy.length + tiny.length * 4);
  ignore.set(s.ignoreXyxy);
  ignore.set(pick(tiny), s.ignoreXyxy.length);
  return { image: s.image, boxesXyxy: pick(keep), classIds: Int32Array.from(keep, (i) => s.classIds[i]), ignoreXyxy: ignore };
}
