/**
 * The loss-curve picture of a run: training loss (total, localisation, confidence) per epoch on
 * the left axis and val mAP@0.5 on the right axis, drawn as SVG and rendered to PNG by sharp.
 */
import { svgToPng } from '../eval/pr-curve.js';

/** One epoch's numbers. */
export interface EpochPoint {
  epoch: number;
  loss: number;
  loc: number;
  conf: number;
  /** NaN when not evaluated. */
  map50: number;
}

const W = 640; // px
const H = 400; // px
const M = { left: 56, right: 56, top: 36, bottom: 44 }; // px margins

/** The SVG of the curves. */
export function lossCurveSvg(points: readonly EpochPoint[], title: string): string {
  const maxEpoch = Math.max(1, ...points.map((p) => p.epoch));
  const maxLoss = Math.max(1e-6, ...points.flatMap((p) => [p.loss, p.loc, p.conf]).filter(Number.isFinite));
  const x = (e: number): number => M.left + (e / maxEpoch) * (W - M.left - M.right);
  const yL = (v: number): number => H - M.bottom - (v / maxLoss) * (H - M.top - M.bottom);
  const yM = (v: number): number => H - M.bottom - v * (H - M.top - M.bottom);
  const line = (sel: (p: EpochPoint) => number, y: (v: number) => number, colour: string, dash = ''): string => {
    const pts = points.filter((p) => Number.isFinite(sel(p)));
    if (pts.length === 0) return '';
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.epoch).toFixed(1)},${y(sel(p)).toFixed(1)}`).join(' ');
    return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`;
  };
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    const yy = yM(v);
    parts.push(`<line x1="${M.left}" y1="${yy}" x2="${W - M.right}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${yy + 4}" font-size="11" text-anchor="end" font-family="sans-serif">${(maxLoss * v).toPrecision(2)}</text>`);
    parts.push(`<text x="${W - M.right + 6}" y="${yy + 4}" font-size="11" font-family="sans-serif">${v.toFixed(1)}</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 10}" font-size="12" text-anchor="middle" font-family="sans-serif">epoch (of ${maxEpoch})</text>`);
  parts.push(`<text x="${W / 2}" y="20" font-size="14" text-anchor="middle" font-family="sans-serif">${title.replace(/[<>&]/g, '')}</text>`);
  parts.push(line((p) => p.loss, yL, '#1f77b4'), line((p) => p.loc, yL, '#2ca02c', '4 3'), line((p) => p.conf, yL, '#ff7f0e', '4 3'), line((p) => p.map50, yM, '#d62728'));
  const legend: [string, string][] = [['loss', '#1f77b4'], ['loc', '#2ca02c'], ['conf', '#ff7f0e'], ['val mAP@0.5 (right)', '#d62728']];
  legend.forEach(([name, c], i) => {
    parts.push(`<rect x="${M.left + 10}" y="${M.top + 8 + i * 16}" width="12" height="3" fill="${c}"/>`);
    parts.push(`<text x="${M.left + 28}" y="${M.top + 13 + i * 16}" font-size="11" font-family="sans-serif">${name}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
}

/** Writes the loss-curve PNG. */
export async function writeLossCurve(points: readonly EpochPoint[], file: string, title = 'training'): Promise<void> {
  await svgToPng(lossCurveSvg(points, title), file);
}
