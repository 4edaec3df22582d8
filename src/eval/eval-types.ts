/**
 * What detection evaluation takes: ground truth and detections per image, boxes in **pixels**
 * (xyxy) of the evaluated image, so COCO's small/medium/large pixel-area ranges apply.
 */

/** `[x1, y1, x2, y2]` in pixels. */
export type BoxXyxyPx = [number, number, number, number] | Float32Array | readonly number[];

/** One ground-truth object. */
export interface EvalGroundTruth {
  imageId: number;
  classId: number;
  xyxy: BoxXyxyPx;
  /**
   * Neither required nor punished (VOC `difficult`, COCO `iscrowd`): a detection matched to it
   * is ignored. COCO semantics of crowd (many detections may match, IoU over the detection's
   * area) apply when `crowd` is set.
   */
  ignore?: boolean;
  crowd?: boolean;
}

/** One detection. */
export interface EvalDetection {
  imageId: number;
  classId: number;
  xyxy: BoxXyxyPx;
  score: number;
}

/** A class-agnostic region where detections count for nothing. */
export interface EvalIgnoreRegion {
  imageId: number;
  xyxy: BoxXyxyPx;
}

/** Everything one evaluation run looks at. */
export interface EvalSet {
  /** Class names by class id. */
  classes: readonly string[];
  /** Images evaluated (detections on other images are dropped). */
  imageIds: readonly number[];
  groundTruth: readonly EvalGroundTruth[];
  detections: readonly EvalDetection[];
  ignoreRegions?: readonly EvalIgnoreRegion[];
}

/** Area of a pixel xyxy box. */
export function boxArea(b: BoxXyxyPx): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** Intersection area of two xyxy boxes. */
export function intersection(a: BoxXyxyPx, b: BoxXyxyPx): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * IoU of detection `d` with ground truth `g`; for a crowd ground truth, intersection over the
 * detection's area (pycocotools' `iscrowd` rule), so one detection inside a crowd is "covered".
 */
export function evalIou(d: BoxXyxyPx, g: BoxXyxyPx, crowd = false): number {
  const inter = intersection(d, g);
  if (inter === 0) return 0;
  const union = crowd ? boxArea(d) : boxArea(d) + boxArea(g) - inter;
  return union > 0 ? inter / union : 0;
}

/** Groups items by `imageId` then `classId` key `${imageId}:${classId}`. */
export function groupByImageClass<T extends { imageId: number; classId: number }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = `${it.imageId}:${it.classId}`;
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}
