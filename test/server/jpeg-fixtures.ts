/**
 * Real JPEGs made with sharp for the server and viewer tests.
 */
import sharp from 'sharp';

/**
 * A `width`×`height` JPEG: left half (r,g,b) = `left`, right half = `right`. Flat colours
 * survive JPEG well, so a test can check a decoded pixel against them with a tolerance.
 */
export async function twoToneJpeg(
  width: number,
  height: number,
  left: [number, number, number],
  right: [number, number, number],
): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3); // (H, W, 3) rgb24
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = x < width / 2 ? left : right;
      raw.set(c, (y * width + x) * 3);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** A JPEG of random noise: hardly compressible, so its size is close to `width*height*3*q`. */
export async function noiseJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  // A tiny LCG instead of crypto: deterministic, and fast enough for a few MB.
  let s = 12345;
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    raw[i] = s >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
}
