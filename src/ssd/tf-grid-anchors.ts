/**
 * The TF Object Detection API's SSD anchors: `create_ssd_anchors` building a
 * `MultipleGridAnchorGenerator` (object_detection/anchor_generators/
 * multiple_grid_anchor_generator.py, with `tile_anchors` from grid_anchor_generator.py). This is
 * the layout of `ssd_mobilenet_v1_coco` and of face-api's SSD MobileNetV1 (512×512, maps
 * 32,16,8,4,2,1 → 5118 anchors). Formulas, as in that source:
 *
 * - scales `s_i = min_scale + (max_scale − min_scale)·i/(num_layers − 1)`, then 1.0 appended;
 * - layer 0 with `reduce_boxes_in_lowest_layer`: exactly (0.1, 1.0), (s_0, 2.0), (s_0, 0.5);
 *   other layers: (s_i, r) for each aspect ratio in the configured order, then, when
 *   `interpolated_scale_aspect_ratio > 0`, (√(s_i s_{i+1}), that ratio);
 * - base anchor size scaled by `min(H, W)/H` (height) and `min(H, W)/W` (width) of the input, so
 *   anchors are square in pixels on a non-square input;
 * - `tile_anchors`: h = s/√r·base_h, w = s·√r·base_w; stride 1/grid, offset stride/2, so centres
 *   are ((j + 0.5)/W_f, (i + 0.5)/H_f); order y outer, x inner, box spec innermost.
 *
 * Slot order follows the current source (interpolated box last). The 2017 release inserted it
 * right after ratio 1.0 instead; models trained then (face-api's SSD among them) store their
 * anchors in that order, so their predictor slots need a permutation to use these anchors
 * (test/ssd/default-boxes.test.ts checks this against face-api's stored anchors).
 *
 * TF returns corners `[ymin, xmin, ymax, xmax]`; this returns the same anchors as cx,cy,w,h. No
 * clipping: the SSD meta-architecture builds this generator without a clip window.
 */
import type { AnchorSpec } from './spec.js';
import { tileCells } from './tile-cells.js';

type TfGridSpec = Extract<AnchorSpec, { type: 'tf-grid' }>;

/** (scale, aspect ratio) pairs of each layer, in TF's order. */
export function tfGridBoxSpecs(spec: TfGridSpec): [number, number][][] {
  const m = spec.featureMaps.length;
  const scales = [
    ...Array.from({ length: m }, (_, i) =>
      m > 1 ? spec.minScale + ((spec.maxScale - spec.minScale) * i) / (m - 1) : spec.minScale,
    ),
    1.0,
  ];
  return spec.featureMaps.map((_, layer) => {
    const s = scales[layer];
    if (layer === 0 && spec.reduceBoxesInLowestLayer) {
      return [
        [0.1, 1.0],
        [s, 2.0],
        [s, 0.5],
      ];
    }
    const specs: [number, number][] = spec.aspectRatios.map((r) => [s, r]);
    if (spec.interpolatedScaleAspectRatio > 0) {
      specs.push([Math.sqrt(s * scales[layer + 1]), spec.interpolatedScaleAspectRatio]);
    }
    return specs;
  });
}

/** Boxes per location for each feature map. */
export function tfGridBoxesPerLocation(spec: TfGridSpec): number[] {
  return tfGridBoxSpecs(spec).map((s) => s.length);
}

/** `(A,4)` cx,cy,w,h normalised, in TF's order. */
export function tfGridAnchors(spec: TfGridSpec, imageWidth: number, imageHeight: number): Float32Array {
  const boxSpecs = tfGridBoxSpecs(spec);
  const minSide = Math.min(imageWidth, imageHeight);
  const baseH = spec.baseAnchorSize[0] * (minSide / imageHeight);
  const baseW = spec.baseAnchorSize[1] * (minSide / imageWidth);
  const total = spec.featureMaps.reduce((n, [h, w], k) => n + h * w * boxSpecs[k].length, 0);
  const out = new Float32Array(total * 4);
  let o = 0;
  spec.featureMaps.forEach(([fh, fw], k) => {
    const wh = boxSpecs[k].flatMap(([s, r]) => [s * Math.sqrt(r) * baseW, (s / Math.sqrt(r)) * baseH]);
    o = tileCells(out, o, fh, fw, wh);
  });
  return out;
}
