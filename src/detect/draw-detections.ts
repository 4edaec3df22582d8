/**
 * Draws detections (boxes, labels, scores, track ids) over a picture as an SVG overlay composited
 * by sharp — no canvas dependency. Used by `detect --out` and preview pictures.
 */
import sharp from 'sharp';
import type { Detection } from '../types.js';
import { classColour, escapeXml } from '../util/class-colour.js';


/** SVG of `detections` (normalised boxes) for a picture of `width` × `height`. */
export function detectionsSvg(detections: Detection[], width: number, height: number): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 250));
  const font = Math.max(12, Math.round(Math.min(width, height) / 40));
  const parts = detections.map((d) => {
    const [x1, y1, x2, y2] = [d.box[0] * width, d.box[1] * height, d.box[2] * width, d.box[3] * height];
    // One colour per track when tracked, else per class.
    const c = classColour(d.trackId ?? d.classId);
    const text = `${d.trackId !== undefined ? `#${d.trackId} ` : ''}${d.label} ${d.score.toFixed(2)}`;
    const tw = Math.ceil(text.length * font * 0.6) + 6;
    const ty = y1 - font - 4 >= 0 ? y1 - font - 4 : y1;
    return (
      `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="none" stroke="${c}" stroke-width="${stroke}"/>` +
      `<rect x="${x1.toFixed(1)}" y="${ty.toFixed(1)}" width="${tw}" height="${font + 4}" fill="${c}"/>` +
      `<text x="${(x1 + 3).toFixed(1)}" y="${(ty + font).toFixed(1)}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#000">${escapeXml(text)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Writes `file` with detections drawn over it to `out` (format from the extension). */
export async function drawDetectionsOnFile(file: string, detections: Detection[], out: string): Promise<void> {
  const base = sharp(file).rotate();
  const { width, height } = await base.clone().toBuffer({ resolveWithObject: true }).then((r) => r.info);
  const svg = Buffer.from(detectionsSvg(detections, width, height));
  await base.composite([{ input: svg, top: 0, left: 0 }]).toFile(out);
}
