/**
 * `dataset stats`: what is in a dataset, as numbers and terminal histograms — classes, box
 * counts, box sizes (relative and COCO's pixel-area buckets) and aspect ratios — so a user can
 * spot an empty class, tiny objects or a skewed shape before training.
 */
import type { Dataset } from './dataset-format.js';

/** Per-class counts. */
export interface ClassStats {
  name: string;
  boxes: number;
  ignored: number;
  /** Images with at least one (non-ignored) box of the class. */
  images: number;
}

/** A histogram: `counts[i]` boxes fall in `[edges[i], edges[i+1])`. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Everything `dataset stats` prints. */
export interface DatasetStats {
  images: number;
  imagesWithoutBoxes: number;
  videos: number;
  boxes: number;
  ignoredBoxes: number;
  ignoreRegions: number;
  perClass: ClassStats[];
  /** sqrt(box area / image area) of non-ignored boxes. */
  relativeSize: Histogram;
  /** log2(width / height) of non-ignored boxes. */
  aspectLog2: Histogram;
  /** COCO's buckets by pixel area: small < 32², medium < 96², large. */
  cocoArea: { small: number; medium: number; large: number };
}

const SIZE_EDGES = [0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0001];
const ASPECT_EDGES = [-Infinity, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, Infinity];

function bucket(edges: number[], v: number): number {
  for (let i = edges.length - 2; i >= 0; i--) if (v >= edges[i]) return i;
  return 0;
}

/** Computes the statistics of `ds`. */
export function datasetStats(ds: Pick<Dataset, 'classes' | 'images' | 'annotations' | 'ignoreRegions'>): DatasetStats {
  const imgById = new Map(ds.images.map((i) => [i.id, i]));
  const perClass: ClassStats[] = ds.classes.map((name) => ({ name, boxes: 0, ignored: 0, images: 0 }));
  const classImages = ds.classes.map(() => new Set<number>());
  const relativeSize: Histogram = { edges: SIZE_EDGES, counts: new Array(SIZE_EDGES.length - 1).fill(0) };
  const aspectLog2: Histogram = { edges: ASPECT_EDGES, counts: new Array(ASPECT_EDGES.length - 1).fill(0) };
  const cocoArea = { small: 0, medium: 0, large: 0 };
  const withBoxes = new Set<number>();
  let ignoredBoxes = 0;
  for (const a of ds.annotations) {
    const c = perClass[a.classId];
    if (a.ignore) {
      c.ignored++;
      ignoredBoxes++;
      continue;
    }
    c.boxes++;
    classImages[a.classId].add(a.imageId);
    withBoxes.add(a.imageId);
    const img = imgById.get(a.imageId)!;
    const w = a.xyxyPx[2] - a.xyxyPx[0];
    const h = a.xyxyPx[3] - a.xyxyPx[1];
    relativeSize.counts[bucket(SIZE_EDGES, Math.sqrt((w * h) / (img.width * img.height)))]++;
    aspectLog2.counts[bucket(ASPECT_EDGES, Math.log2(w / h))]++;
    const area = w * h;
    if (area < 32 * 32) cocoArea.small++;
    else if (area < 96 * 96) cocoArea.medium++;
    else cocoArea.large++;
  }
  perClass.forEach((c, i) => (c.images = classImages[i].size));
  return {
    images: ds.images.length,
    imagesWithoutBoxes: ds.images.length - withBoxes.size,
    videos: new Set(ds.images.filter((i) => i.video !== undefined).map((i) => i.video)).size,
    boxes: ds.annotations.length - ignoredBoxes,
    ignoredBoxes,
    ignoreRegions: ds.ignoreRegions.length,
    perClass,
    relativeSize,
    aspectLog2,
    cocoArea,
  };
}

/** A row of `#` scaled to `max` over `width` characters. */
function bar(n: number, max: number, width = 40): string {
  return max > 0 ? '#'.repeat(Math.round((n / max) * width)) : '';
}

function histogramLines(h: Histogram, label: (lo: number, hi: number) => string): string[] {
  const max = Math.max(...h.counts);
  const labels = h.counts.map((_, i) => label(h.edges[i], h.edges[i + 1]));
  const w = Math.max(...labels.map((l) => l.length));
  return h.counts.map((n, i) => `  ${labels[i].padStart(w)} │${bar(n, max)} ${n}`);
}

/** The statistics as terminal text. */
export function formatStats(s: DatasetStats): string {
  const lines: string[] = [];
  lines.push(
    `images ${s.images} (${s.imagesWithoutBoxes} without boxes${s.videos ? `, from ${s.videos} video${s.videos > 1 ? 's' : ''}` : ''}), ` +
      `boxes ${s.boxes}, ignored boxes ${s.ignoredBoxes}, ignore regions ${s.ignoreRegions}`,
  );
  lines.push('', 'classes:');
  const nameW = Math.max(5, ...s.perClass.map((c) => c.name.length));
  const maxBoxes = Math.max(0, ...s.perClass.map((c) => c.boxes));
  lines.push(`  ${'class'.padEnd(nameW)}  ${'boxes'.padStart(7)} ${'images'.padStart(7)} ${'ignored'.padStart(7)}`);
  s.perClass.forEach((c, i) =>
    lines.push(`  ${c.name.padEnd(nameW)}  ${String(c.boxes).padStart(7)} ${String(c.images).padStart(7)} ${String(c.ignored).padStart(7)}  ${bar(c.boxes, maxBoxes, 30)}${c.boxes === 0 ? ` (class ${i} has no boxes)` : ''}`),
  );
  lines.push('', 'box size, sqrt(box area / image area):');
  lines.push(...histogramLines(s.relativeSize, (lo, hi) => `${lo.toFixed(2)}-${Math.min(1, hi).toFixed(2)}`));
  lines.push(`  COCO area: small (<32²px) ${s.cocoArea.small}, medium ${s.cocoArea.medium}, large (≥96²px) ${s.cocoArea.large}`);
  lines.push('', 'aspect ratio, width / height:');
  const fmt = (v: number): string => (v === -Infinity ? '0' : v === Infinity ? '∞' : (2 ** v).toFixed(2));
  lines.push(...histogramLines(s.aspectLog2, (lo, hi) => `${fmt(lo)}-${fmt(hi)}`));
  return lines.join('\n');
}
