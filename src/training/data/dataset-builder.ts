/**
 * Shared importer plumbing: adds images and boxes to a dataset under construction, validates
 * each box against its image and class list, and reports what it skips.
 */
import type { DatasetAnnotation, DatasetFile, DatasetImage, IgnoreRegion, XyxyPx } from './dataset-format.js';
import type { ImportReport } from './import-report.js';

/** Where an annotation came from, for the report. */
export interface SourceLocation {
  file: string;
  line?: number;
  where?: string;
}

/**
 * Fraction of a box's area that may lie outside the image before the box is rejected instead of
 * clipped. Annotation tools routinely overshoot the border by a pixel or two; a box mostly outside
 * the picture is a labelling or size mistake.
 */
const MAX_OUTSIDE_FRACTION = 0.5;

/**
 * Label names that annotators use for "do not learn from this area" (KITTI's `DontCare`, CVAT
 * projects' `ignore`): such boxes become class-agnostic ignore regions, not a class.
 */
const IGNORE_LABELS = new Set(['ignore', 'ignored', 'dontcare', 'dont_care', 'ignore_region']);

/** True when `name` marks an ignore region rather than an object class. */
export function isIgnoreLabel(name: string): boolean {
  return IGNORE_LABELS.has(name.toLowerCase());
}

/** Extra fields an importer may set on a box. */
export type BoxExtras = Pick<DatasetAnnotation, 'ignore' | 'occluded' | 'trackId'>;

/** Builds a {@link DatasetFile}; ids are assigned in insertion order. */
export class DatasetBuilder {
  readonly images: DatasetImage[] = [];
  readonly annotations: DatasetAnnotation[] = [];
  readonly ignoreRegions: IgnoreRegion[] = [];
  private readonly classIndex = new Map<string, number>();
  readonly classes: string[] = [];

  /**
   * @param report where problems go
   * @param fixedClasses when given, only these class names are known (others are `unknown-class`);
   *   otherwise classes are added as they are met.
   */
  constructor(
    readonly report: ImportReport,
    fixedClasses?: readonly string[],
  ) {
    if (fixedClasses) for (const c of fixedClasses) this.classId(c, true);
    this.fixed = fixedClasses !== undefined;
  }
  private readonly fixed: boolean;

  /** Id of class `name`, adding it unless the class list is fixed (then `undefined`). */
  classId(name: string, force = false): number | undefined {
    const known = this.classIndex.get(name);
    if (known !== undefined) return known;
    if (this.fixed && !force) return undefined;
    const id = this.classes.length;
    this.classes.push(name);
    this.classIndex.set(name, id);
    return id;
  }

  /**
   * Adds an image and returns it. Its id is `id` when given (COCO keeps its own image ids, so a
   * COCO results file still refers to the right pictures), else the next free number.
   */
  addImage(img: Omit<DatasetImage, 'id'>, id?: number): DatasetImage {
    const image: DatasetImage = { id: id ?? this.nextId, ...img };
    this.nextId = Math.max(this.nextId, image.id + 1);
    this.usedIds.add(image.id);
    this.images.push(image);
    return image;
  }

  /** True when an image with this id was already added. */
  hasImageId(id: number): boolean {
    return this.usedIds.has(id);
  }
  private nextId = 0;
  private readonly usedIds = new Set<number>();
  /** Class ids of the source format (COCO category ids), parallel to `classes`, when known. */
  sourceClassIds?: number[];

  /**
   * Validates and adds one box. Returns false (after reporting) when skipped: unknown class,
   * non-finite or empty box, or a box mostly outside the image. Boxes slightly outside are clipped.
   */
  addBox(image: DatasetImage, xyxy: XyxyPx, className: string, at: SourceLocation, extras: BoxExtras = {}): boolean {
    if (isIgnoreLabel(className)) return this.addIgnoreRegion(image, xyxy, at);
    const classId = this.classId(className);
    if (classId === undefined) {
      this.report.add({ kind: 'unknown-class', ...at, message: `class "${className}" is not in the class list` });
      return false;
    }
    const box = this.checkBox(image, xyxy, at);
    if (!box) return false;
    const ann: DatasetAnnotation = { imageId: image.id, xyxyPx: box, classId };
    if (extras.ignore) ann.ignore = true;
    if (extras.occluded) ann.occluded = true;
    if (extras.trackId !== undefined) ann.trackId = extras.trackId;
    this.annotations.push(ann);
    return true;
  }

  /** Validates and adds a class-agnostic ignore region. */
  addIgnoreRegion(image: DatasetImage, xyxy: XyxyPx, at: SourceLocation): boolean {
    const box = this.checkBox(image, xyxy, at);
    if (!box) return false;
    this.ignoreRegions.push({ imageId: image.id, xyxyPx: box });
    return true;
  }

  private checkBox(image: DatasetImage, xyxy: XyxyPx, at: SourceLocation): XyxyPx | undefined {
    const [x1, y1, x2, y2] = xyxy;
    const shown = `[${xyxy.map((v) => +v.toFixed(2)).join(', ')}]`;
    if (![x1, y1, x2, y2].every(Number.isFinite)) {
      this.report.add({ kind: 'bad-row', ...at, message: `box ${shown} has a non-numeric coordinate` });
      return undefined;
    }
    if (x2 <= x1 || y2 <= y1) {
      this.report.add({ kind: 'empty-box', ...at, message: `box ${shown} has no area` });
      return undefined;
    }
    const cx1 = Math.max(0, x1);
    const cy1 = Math.max(0, y1);
    const cx2 = Math.min(image.width, x2);
    const cy2 = Math.min(image.height, y2);
    const inside = Math.max(0, cx2 - cx1) * Math.max(0, cy2 - cy1);
    const area = (x2 - x1) * (y2 - y1);
    if (inside < area * (1 - MAX_OUTSIDE_FRACTION)) {
      this.report.add({
        kind: 'box-outside-image',
        ...at,
        message: `box ${shown} lies outside the ${image.width}x${image.height} image ${image.file}`,
      });
      return undefined;
    }
    if (cx1 !== x1 || cy1 !== y1 || cx2 !== x2 || cy2 !== y2) this.report.clipped++;
    return [cx1, cy1, cx2, cy2];
  }

  /** The finished dataset file content. */
  build(source: string): DatasetFile {
    return {
      version: 1,
      classes: [...this.classes],
      images: this.images,
      annotations: this.annotations,
      ignoreRegions: this.ignoreRegions,
      ...(this.sourceClassIds ? { sourceClassIds: this.sourceClassIds } : {}),
      source,
    };
  }
}
