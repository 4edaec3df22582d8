/**
 * Still images into model input: decode with sharp, place the picture inside the model's input
 * the way its spec says (stretch, or pad keeping the aspect ratio), and return rgb24 bytes.
 */
import sharp, { type Sharp } from 'sharp';
import { ErrorCodes, SsdsError } from '../errors.js';
import { placeInInput } from '../ssd/letterbox.js';
import type { InputSpec } from '../ssd/spec.js';

/** A decoded still, ready for `Detector.detect`. */
export interface ImageInput {
  data: Uint8Array; // (H, W, 3) rgb24 at the model input size
  sourceWidth: number;
  sourceHeight: number;
}

/** Size of an image file, or null when sharp cannot read it as an image. */
export async function probeImage(file: string): Promise<{ width: number; height: number } | null> {
  try {
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height) return null;
    // Animated GIF/WebP and multi-page TIFF are videos as far as we are concerned.
    if ((meta.pages ?? 1) > 1) return null;
    return { width: meta.width, height: meta.height };
  } catch {
    return null;
  }
}

/**
 * Decodes `file` (EXIF orientation applied, alpha dropped) and places it in the model input.
 * Throws FILE_INVALID naming the file when it is not a readable image.
 */
export async function loadImageInput(
  file: string,
  input: Pick<InputSpec, 'width' | 'height' | 'resize' | 'padAlign'>,
): Promise<ImageInput> {
  let img: Sharp;
  let width: number;
  let height: number;
  try {
    // rotate() applies EXIF orientation so boxes match what viewers show.
    const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    width = info.width;
    height = info.height;
    img = sharp(data, { raw: { width, height, channels: 3 } });
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_INVALID, `${file}: not a readable image (${(e as Error).message})`, { cause: e });
  }
  const p = placeInInput(width, height, input);
  const resized = img.resize(p.scaledWidth, p.scaledHeight, { fit: 'fill', kernel: 'linear' });
  const padded =
    p.scaledWidth === input.width && p.scaledHeight === input.height
      ? resized
      : sharp(await resized.raw().toBuffer(), { raw: { width: p.scaledWidth, height: p.scaledHeight, channels: 3 } }).extend({
          left: p.offsetX,
          top: p.offsetY,
          right: input.width - p.scaledWidth - p.offsetX,
          bottom: input.height - p.scaledHeight - p.offsetY,
          background: { r: 0, g: 0, b: 0 },
        });
  const data = await padded.raw().toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), sourceWidth: width, sourceHeight: height };
}
