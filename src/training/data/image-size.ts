/**
 * Reads an image's pixel size from its header (sharp), for formats that do not store it (YOLO)
 * or store it unreliably.
 */
import sharp from 'sharp';

/** `{width, height}` of the image at `file`, or `undefined` when it cannot be read as an image. */
export async function readImageSize(file: string): Promise<{ width: number; height: number } | undefined> {
  try {
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height) return undefined;
    // EXIF orientations 5-8 rotate by 90°: the annotated picture is the rotated one.
    const swap = (meta.orientation ?? 1) >= 5;
    return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  } catch {
    return undefined;
  }
}
