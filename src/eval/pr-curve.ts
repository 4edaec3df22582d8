/**
 * Precision-recall curves as pictures: an SVG drawn here (axes, grid, the raw curve and its
 * monotone envelope whose area is the AP) rendered to PNG by sharp. One picture per class and
 * one with every class together.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { classColour, escapeXml } from '../util/class-colour.js';

/** One curve to draw. */
export interface PrCurve {
  name: string;
  /** `(D)` recall after each detection, non-decreasing. */
  recall: ArrayLike<number>;
  /** `(D)` precision after each detection. */
  precision: ArrayLike<number>;
  /** AP shown in the legend (fraction), NaN to omit. */
  ap: number;
  /** Colour index (class id). */
  colourIndex?: number;
}

const W = 560; // px
const H = 440; // px
const M = { left: 56, right: 16, top: 36, bottom: 46 }; // px margins

const px = (r: number): number => M.left + r * (W - M.left - M.right);
const py = (p: number): number => H - M.bottom - p * (H - M.top - M.bottom);

/** Step path of the precision envelope (what all-point AP integrates). */
function envelopePath(c: PrCurve): string {
  const n = c.recall.length;
  if (n === 0) return '';
  const env = Float64Array.from({ length: n }, (_, i) => c.precision[i]);
  for (let i = n - 2; i >= 0; i--) env[i] = Math.max(env[i], env[i + 1]);
  let d = `M${px(0).toFixed(1)},${py(env[0]).toFixed(1)}`;
  for (let i = 0; i < n; i++) {
    d += ` H${px(c.recall[i]).toFixed(1)} V${py(env[i]).toFixed(1)}`;
    if (i + 1 < n) d += ` V${py(env[i + 1]).toFixed(1)}`;
  }
  return d;
}

function rawPath(c: PrCurve): string {
  return Array.from({ length: c.recall.length }, (_, i) => `${i ? 'L' : 'M'}${px(c.recall[i]).toFixed(1)},${py(c.precision[i]).toFixed(1)}`).join(' ');
}

/** The SVG of one or more PR curves. */
export function prCurveSvg(curves: readonly PrCurve[], title: string): string {
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  for (let k = 0; k <= 10; k++) {
    const v = k / 10;
    parts.push(`<line x1="${px(v)}" y1="${py(0)}" x2="${px(v)}" y2="${py(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<line x1="${px(0)}" y1="${py(v)}" x2="${px(1)}" y2="${py(v)}" stroke="#e4e4e4"/>`);
    if (k % 2 === 0) {
      parts.push(`<text x="${px(v)}" y="${py(0) + 16}" font-size="11" text-anchor="middle" font-family="sans-serif">${v.toFixed(1)}</text>`);
      parts.push(`<text x="${px(0) - 6}" y="${py(v) + 4}" font-size="11" text-anchor="end" font-family="sans-serif">${v.toFixed(1)}</text>`);
    }
  }
  parts.push(`<rect x="${px(0)}" y="${py(1)}" width="${px(1) - px(0)}" height="${py(0) - py(1)}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${(px(0) + px(1)) / 2}" y="${H - 10}" font-size="13" text-anchor="middle" font-family="sans-serif">recall</text>`);
  parts.push(`<text x="16" y="${(py(0) + py(1)) / 2}" font-size="13" text-anchor="middle" font-family="sans-serif" transform="rotate(-90 16 ${(py(0) + py(1)) / 2})">precision</text>`);
  parts.push(`<text x="${W / 2}" y="22" font-size="15" text-anchor="middle" font-family="sans-serif">${escapeXml(title)}</text>`);
  curves.forEach((c, i) => {
    const colour = classColour(c.colourIndex ?? i);
    if (curves.length === 1) parts.push(`<path d="${rawPath(c)}" fill="none" stroke="${colour}" stroke-opacity="0.35" stroke-width="1"/>`);
    parts.push(`<path d="${envelopePath(c)}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const label = `${c.name}${Number.isNaN(c.ap) ? '' : ` AP ${(c.ap * 100).toFixed(1)}%`}`;
    // Legend bottom-left: high precision at low recall keeps that corner empty on most curves.
    parts.push(`<text x="${px(0) + 8}" y="${py(0) - 10 - (curves.length - 1 - i) * 16}" font-size="12" fill="${colour}" font-family="sans-serif">${escapeXml(label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
}

/** Renders an SVG string to a PNG file. */
export async function svgToPng(svg: string, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}

/** File-name-safe version of a class name. */
function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'class';
}

/**
 * Writes `pr-<class>.png` for each curve and `pr-all.png` with all of them into `dir`;
 * returns the paths written.
 */
export async function writePrCurves(curves: readonly PrCurve[], dir: string, titleSuffix = 'IoU 0.5'): Promise<string[]> {
  const files: string[] = [];
  for (const [i, c] of curves.entries()) {
    const file = path.join(dir, `pr-${String(i).padStart(2, '0')}-${slug(c.name)}.png`);
    await svgToPng(prCurveSvg([{ colourIndex: i, ...c }], `${c.name} — precision/recall, ${titleSuffix}`), file);
    files.push(file);
  }
  const all = path.join(dir, 'pr-all.png');
  await svgToPng(prCurveSvg(curves.map((c, i) => ({ colourIndex: i, ...c })), `precision/recall, ${titleSuffix}`), all);
  files.push(all);
  return files;
}
