/**
 * Default boxes (anchors) for a model spec: one entry point over the three generators, each in
 * its own file and each reproducing its reference implementation's order and values:
 * `ssd` → {@link ssdPaperBoxes}, `tf-grid` → {@link tfGridAnchors},
 * `torchvision` → {@link torchvisionDefaultBoxes}.
 *
 * The row order is the order of the prediction heads' outputs (layer, then location row-major,
 * then box per location), so row a of the anchors pairs with row a of the regressions.
 * Inconsistent specs (ratio lists not matching the feature maps) throw a RangeError naming the
 * `anchors.*` key; callers wrap it in their own error naming the model or file.
 */
import { ssdPaperBoxes, ssdPaperBoxesPerLocation } from './ssd-paper-boxes.js';
import type { AnchorSpec } from './spec.js';
import { tfGridAnchors, tfGridBoxesPerLocation } from './tf-grid-anchors.js';
import { torchvisionBoxesPerLocation, torchvisionDefaultBoxes } from './torchvision-default-boxes.js';

/**
 * `(A,4)` cx,cy,w,h normalised to [0,1] of the model input, in the reference implementation's
 * order. `imageWidth`/`imageHeight` are the model input size in pixels (used by torchvision
 * `steps` and TF's base-anchor aspect correction).
 */
export function generateDefaultBoxes(spec: AnchorSpec, imageWidth: number, imageHeight: number): Float32Array {
  switch (spec.type) {
    case 'ssd':
      return ssdPaperBoxes(spec);
    case 'tf-grid':
      return tfGridAnchors(spec, imageWidth, imageHeight);
    case 'torchvision':
      return torchvisionDefaultBoxes(spec, imageWidth, imageHeight);
  }
}

/** Boxes per location of each feature map, in head order (the heads' channel multipliers). */
export function boxesPerLocation(spec: AnchorSpec): number[] {
  switch (spec.type) {
    case 'ssd':
      return ssdPaperBoxesPerLocation(spec);
    case 'tf-grid':
      return tfGridBoxesPerLocation(spec);
    case 'torchvision':
      return torchvisionBoxesPerLocation(spec);
  }
}

/** Total number of default boxes A (Σ over maps of H·W·boxes per location). */
export function countDefaultBoxes(spec: AnchorSpec): number {
  const per = boxesPerLocation(spec);
  return spec.featureMaps.reduce((n, [h, w], k) => n + h * w * per[k], 0);
}
