/**
 * A synthetic detection dataset for training tests and benchmarks: shapes of a few classes and
 * sizes on varied backgrounds (gradients, clutter, noise), written as JPEGs with a COCO JSON whose
 * boxes are the generator's own. Seeded, so the same call writes the same files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../../src/util/seeded-random.js';

/** The classes drawn, in COCO category order (ids 1..3). */
export const SYNTHETIC_CLASSES = ['disc', 'square', 'triangle'] as const;

export interface SyntheticOptions {
  count: number;
  width?: number;
  height?: number;
  seed?: number;
  /** Objects per image, inclusive range. */
  objects?: [number, number];
  /** Object size as a fraction of the shorter image side, inclusive range. */
  sizes?: [number, number];
}


const hsl = (h: number, s: number, l: number) => `hsl(${Math.round(h)},${Math.round(s)}%,${Math.round(l)}%)`;

interface Placed {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function overlaps(a: Placed, b: Placed): boolean {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return iw > 0 && ih > 0 && (iw * ih) / Math.min((a.x2 - a.x1) * (a.y2 - a.y1), (b.x2 - b.x1) * (b.y2 - b.y1)) > 0.3;
}

/**
 * Writes `count` images to `dir/images/` and `dir/annotations.json` (COCO). Returns the JSON path.
 */
export async function writeSyntheticCoco(dir: string, opts: SyntheticOptions): Promise<string> {
  const W = opts.width ?? 320;
  const H = opts.height ?? 240;
  const rand = seededRandom(opts.seed ?? 1);
  const [minObj, maxObj] = opts.objects ?? [1, 3];
  const [minSize, maxSize] = opts.sizes ?? [0.2, 0.5];
  mkdirSync(join(dir, 'images'), { recursive: true });
  const images: object[] = [];
  const annotations: object[] = [];
  let annId = 1;
  for (let i = 0; i < opts.count; i++) {
    const bgHue = rand() * 360;
    const parts: string[] = [
      `<defs><linearGradient id="g" x1="0" y1="0" x2="${rand().toFixed(2)}" y2="1">` +
        `<stop offset="0" stop-color="${hsl(bgHue, 30 + rand() * 40, 25 + rand() * 50)}"/>` +
        `<stop offset="1" stop-color="${hsl(bgHue + 90 + rand() * 180, 30 + rand() * 40, 25 + rand() * 50)}"/>` +
        `</linearGradient></defs><rect width="${W}" height="${H}" fill="url(#g)"/>`,
    ];
    // Clutter: thin lines and small blobs that are not objects.
    for (let k = 0; k < 6; k++) {
      parts.push(
        `<line x1="${rand() * W}" y1="${rand() * H}" x2="${rand() * W}" y2="${rand() * H}" stroke="${hsl(rand() * 360, 50, 50)}" stroke-width="${1 + rand() * 2}" opacity="0.6"/>`,
      );
    }
    const placed: Placed[] = [];
    const n = minObj + Math.floor(rand() * (maxObj - minObj + 1));
    for (let tries = 0; placed.length < n && tries < 50; tries++) {
      const s = Math.min(W, H) * (minSize + rand() * (maxSize - minSize));
      const w = s * (0.8 + rand() * 0.4);
      const h = s * (0.8 + rand() * 0.4);
      const x1 = rand() * (W - w);
      const y1 = rand() * (H - h);
      const p: Placed = { cls: Math.floor(rand() * SYNTHETIC_CLASSES.length), x1, y1, x2: x1 + w, y2: y1 + h };
      if (placed.some((q) => overlaps(p, q))) continue;
      placed.push(p);
      const fill = hsl(rand() * 360, 60 + rand() * 40, 35 + rand() * 30);
      const stroke = `stroke="${hsl(rand() * 360, 20, 15)}" stroke-width="2"`;
      if (p.cls === 0) {
        parts.push(`<ellipse cx="${x1 + w / 2}" cy="${y1 + h / 2}" rx="${w / 2 - 1}" ry="${h / 2 - 1}" fill="${fill}" ${stroke}/>`);
      } else if (p.cls === 1) {
        parts.push(`<rect x="${x1 + 1}" y="${y1 + 1}" width="${w - 2}" height="${h - 2}" fill="${fill}" ${stroke}/>`);
      } else {
        parts.push(`<polygon points="${x1 + w / 2},${y1 + 1} ${p.x2 - 1},${p.y2 - 1} ${x1 + 1},${p.y2 - 1}" fill="${fill}" ${stroke}/>`);
      }
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
    const file = `img_${String(i).padStart(5, '0')}.jpg`;
    await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toFile(join(dir, 'images', file));
    images.push({ id: i + 1, file_name: `images/${file}`, width: W, height: H });
    for (const p of placed) {
      annotations.push({
        id: annId++,
        image_id: i + 1,
        category_id: p.cls + 1,
        bbox: [p.x1, p.y1, p.x2 - p.x1, p.y2 - p.y1].map((v) => Math.round(v * 100) / 100),
        area: (p.x2 - p.x1) * (p.y2 - p.y1),
        iscrowd: 0,
      });
    }
  }
  const categories = SYNTHETIC_CLASSES.map((name, k) => ({ id: k + 1, name }));
  const out = join(dir, 'annotations.json');
  writeFileSync(out, JSON.stringify({ images, annotations, categories }));
  return out;
}
