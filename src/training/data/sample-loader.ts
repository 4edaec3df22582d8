/**
 * Loads a dataset image as an rgb24 {@link DetectionSample} (sharp decodes; EXIF rotation
 * applied, alpha dropped, grey expanded to RGB) with its boxes, ignored boxes and ignore regions
 * in the decoded picture's pixels. This is what the augmentation chain and the trainer consume.
 */
import sharp from 'sharp';
import { SsdsError, ErrorCodes } from '../../errors.js';
import type { DetectionSample } from '../augment/sample.js';
import type { Dataset, DatasetAnnotation, DatasetImage } from './dataset-format.js';
import { annotationsByImage, imagePath } from './dataset-io.js';

/** Options of {@link loadSample}. */
export interface LoadSampleOptions {
  /**
   * Shrink pictures whose longer side exceeds this (pixels) while decoding; boxes are scaled to
   * match. Saves memory and time on 4K footage when the model input is 300 px.
   */
  maxSide?: number;
}

/** Decodes `file` to rgb24. */
export async function decodeRgb(file: string, maxSide?: number): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    let img = sharp(file).rotate().removeAlpha().toColourspace('srgb');
    if (maxSide) img = img.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    // Rare: a colour space sharp keeps single-channel; widen grey to RGB.
    const out = new Uint8Array(info.width * info.height * 3);
    for (let i = 0, j = 0; j < out.length; i += info.channels, j += 3) out[j] = out[j + 1] = out[j + 2] = data[i];
    return { data: out, width: info.width, height: info.height };
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_INVALID, `cannot decode image ${file}`, { cause: e });
  }
}

/** A sample loader bound to one dataset (annotations indexed once). */
export function createSampleLoader(ds: Dataset, opts: LoadSampleOptions = {}): (image: DatasetImage) => Promise<DetectionSample> {
  const byImage = annotationsByImage(ds);
  const regions = new Map<number, number[][]>();
  for (const r of ds.ignoreRegions) regions.set(r.imageId, [...(regions.get(r.imageId) ?? []), r.xyxyPx]);
  return (image) => loadSample(ds, image, byImage.get(image.id) ?? [], regions.get(image.id) ?? [], opts);
}

/** Loads one image with the given annotations and ignore regions (pixel xyxy of the dataset image). */
export async function loadSample(
  ds: Pick<Dataset, 'dir'>,
  image: DatasetImage,
  annotations: readonly DatasetAnnotation[],
  ignoreRegions: readonly number[][] = [],
  opts: LoadSampleOptions = {},
): Promise<DetectionSample> {
  const rgb = await decodeRgb(imagePath(ds, image.file), opts.maxSide);
  // The decoded size may differ from the recorded one (maxSide, or a wrong size in the source
  // annotations); boxes follow the picture.
  const sx = rgb.width / image.width;
  const sy = rgb.height / image.height;
  const objects = annotations.filter((a) => !a.ignore);
  const ignored = [...annotations.filter((a) => a.ignore).map((a) => a.xyxyPx), ...ignoreRegions];
  const scale = (list: readonly (readonly number[])[]): Float32Array => {
    const out = new Float32Array(list.length * 4);
    list.forEach((b, i) => out.set([b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy], 4 * i));
    return out;
  };
  return {
    image: rgb,
    boxesXyxy: scale(objects.map((a) => a.xyxyPx)),
    classIds: Int32Array.from(objects, (a) => a.classId),
    ignoreXyxy: scale(ignored),
  };
}
