/**
 * `train --preview`: writes augmented samples as PNGs with their boxes drawn (class colour and
 * name; ignore boxes dashed grey), so a user can check labels and augmentation before training.
 * The boxes are an SVG overlay composited by sharp.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ModelSample } from './sample.js';
import { classColour, escapeXml } from '../../util/class-colour.js';


/** The SVG overlay of one sample's boxes (normalised xyxy → input pixels). */
export function boxesSvg(sample: ModelSample, labels: readonly string[] = []): string {
  const { width: W, height: H } = sample.image;
  const parts: string[] = [];
  const n = sample.classIds.length;
  for (let i = 0; i < n; i++) {
    const [x1, y1, x2, y2] = sample.boxesXyxy.subarray(4 * i, 4 * i + 4);
    const c = classColour(sample.classIds[i]);
    const name = labels[sample.classIds[i]] ?? String(sample.classIds[i]);
    parts.push(`<rect x="${x1 * W}" y="${y1 * H}" width="${(x2 - x1) * W}" height="${(y2 - y1) * H}" fill="none" stroke="${c}" stroke-width="2"/>`);
    parts.push(`<text x="${x1 * W + 2}" y="${Math.max(10, y1 * H - 2)}" font-family="sans-serif" font-size="11" fill="${c}">${escapeXml(name)}</text>`);
  }
  for (let i = 0; i < sample.ignoreXyxy.length / 4; i++) {
    const [x1, y1, x2, y2] = sample.ignoreXyxy.subarray(4 * i, 4 * i + 4);
    parts.push(`<rect x="${x1 * W}" y="${y1 * H}" width="${(x2 - x1) * W}" height="${(y2 - y1) * H}" fill="none" stroke="#aaaaaa" stroke-dasharray="4 3" stroke-width="1"/>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
}

/**
 * Writes `samples` to `dir` as `preview-000.png`, ... with boxes drawn; returns the file paths.
 * @param labels class names by dataset class id, for the box captions
 */
export async function writePreview(samples: readonly ModelSample[], dir: string, labels: readonly string[] = []): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, s] of samples.entries()) {
    const file = path.join(dir, `preview-${String(i).padStart(3, '0')}.png`);
    await sharp(Buffer.from(s.image.data.buffer, s.image.data.byteOffset, s.image.data.length), {
      raw: { width: s.image.width, height: s.image.height, channels: 3 },
    })
      .composite([{ input: Buffer.from(boxesSvg(s, labels)), top: 0, left: 0 }])
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}
