/**
 * A dataset's ground truth as an {@link EvalSet} for the metrics: boxes, ignored boxes (COCO
 * crowds keep crowd semantics) and ignore regions, for all images or a split. Kept apart from
 * the model-running code so the trainer can score its val split without loading ONNX Runtime.
 */
import type { Dataset } from '../training/data/dataset-format.js';
import type { EvalSet } from './eval-types.js';

/** Ground truth of `ds` (all its images, or `imageIds`) with no detections yet. */
export function groundTruthSet(ds: Dataset, imageIds?: readonly number[]): EvalSet {
  const ids = imageIds ?? ds.images.map((i) => i.id);
  const keep = new Set(ids);
  return {
    classes: ds.classes,
    imageIds: ids,
    groundTruth: ds.annotations
      .filter((a) => keep.has(a.imageId))
      .map((a) => ({ imageId: a.imageId, classId: a.classId, xyxy: a.xyxyPx, ignore: a.ignore, crowd: a.ignore && ds.source?.startsWith('coco:') ? true : undefined })),
    detections: [],
    ignoreRegions: ds.ignoreRegions.filter((r) => keep.has(r.imageId)).map((r) => ({ imageId: r.imageId, xyxy: r.xyxyPx })),
  };
}
