/**
 * Still images into model input: decode with sharp (EXIF orientation applied), then place the
 * picture inside the model's input the way its spec says (stretch, or pad keeping the aspect
 * ratio) with TF's plain bilinear resize — the resampling the face-api SSD was trained and
 * calibrated with (see `resize-bilinear-tf.ts` for the measured difference).
 */
import sharp from 'sharp';
import { ErrorCodes, SsdsError } from '../errors.js';
import { resizeBilinearTf } from '../models/resize-bilinear-tf.js';
import type { InputSpec } from '../ssd/spec.js';

/** A decoded still, ready for `Detector.detect`. */
export interface ImageInput {
  data: Uint8Array; // (H, W, 3) rgb24 at the model input size
  sourceWidth: number;
  sourceHeight: number;
}

/** Size of an image file, or null when sharp cannot read it as a still image. */
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

/** Decodes `file` to rgb24 at its own size. Throws FILE_INVALID naming the file. */
export async function decodeImageRgb(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_INVALID, `${file}: not a readable image (${(e as Error).message})`, { cause: e });
  }
}

/** Decodes `file` and places it in the model input. */
export async function loadImageInput(
  file: string,
  input: Pick<InputSpec, 'width' | 'height' | 'resize' | 'padAlign'>,
): Promise<ImageInput> {
  const rgb = await decodeImageRgb(file);
  return {
    data: resizeBilinearTf(rgb.data, rgb.width, rgb.height, input),
    sourceWidth: rgb.width,
    sourceHeight: rgb.height,
  };
}
