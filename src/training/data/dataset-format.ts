/**
 * The one internal dataset format. A dataset is a folder holding `dataset.json` (this schema)
 * and usually an `images/` folder. Every importer (COCO, VOC, YOLO, CVAT video, MOT) produces
 * it; training, `dataset stats`, `anchors fit` and `eval` read only this.
 *
 * Boxes are `xyxy` in **pixels** of the image they belong to (`x2`/`y2` exclusive edges, so
 * width = x2 - x1), which keeps COCO's pixel areas (small/medium/large) meaningful.
 */
import { z } from 'zod';

/** File name of the dataset description inside a dataset folder. */
export const DATASET_FILE = 'dataset.json';

/** `[x1, y1, x2, y2]` in pixels. */
export type XyxyPx = [number, number, number, number];

const xyxyPx = z.tuple([z.number(), z.number(), z.number(), z.number()]);

/** One picture: a still image or a frame of a video. */
export const datasetImageSchema = z
  .object({
    /** Unique id within the dataset (annotations refer to it). */
    id: z.number().int().nonnegative(),
    /** Path relative to the dataset folder (may start with `..`), or absolute. */
    file: z.string().min(1),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    /** Name of the video the frame comes from; frames of one video share it. */
    video: z.string().optional(),
    /** 0-based frame index within `video`. */
    frame: z.number().int().nonnegative().optional(),
    /** A split fixed by the source (e.g. COCO `train2017`); otherwise computed by `splitDataset`. */
    split: z.enum(['train', 'val']).optional(),
  })
  .strict();
export type DatasetImage = z.infer<typeof datasetImageSchema>;

/** One object box. */
export const datasetAnnotationSchema = z
  .object({
    imageId: z.number().int().nonnegative(),
    /** `[x1, y1, x2, y2]` in pixels of the image. */
    xyxyPx,
    /** Index into `classes`. */
    classId: z.number().int().nonnegative(),
    /**
     * A box that must neither be learnt as background nor be required of a detector
     * (VOC `difficult`, COCO `iscrowd`, MOT rows with `conf = 0`). Evaluation ignores matches to it.
     */
    ignore: z.boolean().optional(),
    /** The object is partly hidden (CVAT `occluded`, MOT visibility < 0.5). Informational. */
    occluded: z.boolean().optional(),
    /** Identity across frames (CVAT track id, MOT object id). */
    trackId: z.number().int().optional(),
  })
  .strict();
export type DatasetAnnotation = z.infer<typeof datasetAnnotationSchema>;

/**
 * A region of an image with no labels at all (a crowd, a TV screen, a masked area): class
 * agnostic, anchors in it are neither positives nor negatives and detections in it are not
 * counted as false positives.
 */
export const ignoreRegionSchema = z.object({ imageId: z.number().int().nonnegative(), xyxyPx }).strict();
export type IgnoreRegion = z.infer<typeof ignoreRegionSchema>;

/** The content of `dataset.json`. */
export const datasetFileSchema = z
  .object({
    version: z.literal(1).default(1),
    /** Class names indexed by `classId`; there is no background entry. */
    classes: z.array(z.string().min(1)).min(1),
    images: z.array(datasetImageSchema),
    annotations: z.array(datasetAnnotationSchema),
    ignoreRegions: z.array(ignoreRegionSchema).default([]),
    /**
     * The class ids the source format used (COCO `category_id`s), parallel to `classes`, so a
     * COCO results file can be scored against the imported ground truth. Absent: results use
     * `classId + 1`.
     */
    sourceClassIds: z.array(z.number().int()).optional(),
    /** Where it came from (format and file), for humans. */
    source: z.string().optional(),
  })
  .strict();
export type DatasetFile = z.infer<typeof datasetFileSchema>;

/** A loaded dataset: the file content plus the folder its relative paths resolve against. */
export interface Dataset extends DatasetFile {
  /** Absolute folder that image `file`s are relative to. */
  dir: string;
}
