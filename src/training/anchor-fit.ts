/**
 * `anchors fit`: which default-box shapes suit a dataset. Box sizes, normalised to the model
 * input, are clustered by k-means with 1 − IoU as the distance (YOLOv2 §"Dimension Clusters":
 * Euclidean k-means would let large boxes dominate), then turned into an SSD anchor layout:
 * a scale range covering the data and, per feature map, the aspect ratios of the clusters whose
 * scale is nearest that map's scale (Liu et al. 2016 §2.2, "Choosing scales and aspect ratios").
 */
import { placeInInput } from '../ssd/letterbox.js';
import type { AnchorSpec, InputSpec } from '../ssd/spec.js';
import { createRng } from './augment/rng.js';
import type { Dataset } from './data/dataset-format.js';

/** Input geometry used to normalise box sizes. */
export type FitInput = Pick<InputSpec, 'width' | 'height' | 'resize' | 'padAlign'>;

/**
 * Box sizes as the model sees them: `(N,2)` width, height normalised to the model input
 * (stretch: by the image size; pad: by the scaled image inside the padded input).
 */
export function boxSizesFromDataset(ds: Pick<Dataset, 'images' | 'annotations'>, input: FitInput): Float32Array {
  const imgs = new Map(ds.images.map((i) => [i.id, i]));
  const out: number[] = [];
  for (const a of ds.annotations) {
    if (a.ignore) continue;
    const img = imgs.get(a.imageId);
    if (!img) continue;
    const p = placeInInput(img.width, img.height, input);
    const w = ((a.xyxyPx[2] - a.xyxyPx[0]) / img.width) * (p.scaledWidth / input.width);
    const h = ((a.xyxyPx[3] - a.xyxyPx[1]) / img.height) * (p.scaledHeight / input.height);
    if (w > 0 && h > 0) out.push(w, h);
  }
  return Float32Array.from(out);
}

/** IoU of two boxes of sizes (w1,h1), (w2,h2) sharing a centre. */
export function shapeIou(w1: number, h1: number, w2: number, h2: number): number {
  const inter = Math.min(w1, w2) * Math.min(h1, h2);
  return inter / (w1 * h1 + w2 * h2 - inter);
}

/** Result of {@link kmeansIou}. */
export interface ShapeClusters {
  /** `(k,2)` cluster widths and heights, sorted by area. */
  centroids: Float32Array;
  /** `(N)` cluster of each box. */
  assignments: Int32Array;
  /** Mean IoU of each box with its best centroid. */
  meanIou: number;
  /** `(k)` boxes per cluster. */
  counts: Int32Array;
}

/**
 * k-means over `(N,2)` sizes with distance 1 − IoU, k-means++ seeding from `seed`,
 * mean updates, stopping when no box changes cluster (or after `maxIter`).
 */
export function kmeansIou(sizes: Float32Array, k: number, seed = 1, maxIter = 300): ShapeClusters {
  const n = sizes.length / 2;
  if (n === 0) throw new RangeError('kmeansIou: no boxes');
  k = Math.max(1, Math.min(k, n));
  const rng = createRng(seed);
  const c = new Float64Array(k * 2);
  // k-means++: each next seed drawn with probability ∝ squared distance to the nearest seed.
  const first = rng.int(n);
  c[0] = sizes[2 * first];
  c[1] = sizes[2 * first + 1];
  const d2 = new Float64Array(n);
  for (let j = 1; j < k; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let q = 0; q < j; q++) best = Math.min(best, 1 - shapeIou(sizes[2 * i], sizes[2 * i + 1], c[2 * q], c[2 * q + 1]));
      d2[i] = best * best;
      total += d2[i];
    }
    // Every box already sits exactly on a seed: more clusters would only be duplicates.
    if (total === 0) {
      k = j;
      break;
    }
    let r = rng.next() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    c[2 * j] = sizes[2 * pick];
    c[2 * j + 1] = sizes[2 * pick + 1];
  }
  const assign = new Int32Array(n).fill(-1);
  for (let it = 0; it < maxIter; it++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestIou = -1;
      for (let q = 0; q < k; q++) {
        const v = shapeIou(sizes[2 * i], sizes[2 * i + 1], c[2 * q], c[2 * q + 1]);
        if (v > bestIou) {
          bestIou = v;
          best = q;
        }
      }
      if (assign[i] !== best) changed++;
      assign[i] = best;
    }
    const sum = new Float64Array(k * 2);
    const cnt = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      sum[2 * assign[i]] += sizes[2 * i];
      sum[2 * assign[i] + 1] += sizes[2 * i + 1];
      cnt[assign[i]]++;
    }
    // An emptied cluster keeps its centroid (it may win boxes back next round).
    for (let q = 0; q < k; q++) {
      if (cnt[q] === 0) continue;
      c[2 * q] = sum[2 * q] / cnt[q];
      c[2 * q + 1] = sum[2 * q + 1] / cnt[q];
    }
    if (changed === 0) break;
  }
  // Sort clusters by area so the output reads small → large.
  const order = Array.from({ length: k }, (_, q) => q).sort((a, b) => c[2 * a] * c[2 * a + 1] - c[2 * b] * c[2 * b + 1]);
  const rank = new Int32Array(k);
  order.forEach((q, r) => (rank[q] = r));
  const centroids = new Float32Array(k * 2);
  order.forEach((q, r) => centroids.set([c[2 * q], c[2 * q + 1]], 2 * r));
  const assignments = Int32Array.from(assign, (q) => rank[q]);
  const counts = new Int32Array(k);
  for (const q of assignments) counts[q]++;
  return { centroids, assignments, meanIou: meanBestIou(sizes, centroids), counts };
}

/** Mean over boxes of the best shape IoU with any of `shapes` (`(S,2)` w,h). */
export function meanBestIou(sizes: Float32Array, shapes: Float32Array): number {
  const n = sizes.length / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let q = 0; q < shapes.length / 2; q++) best = Math.max(best, shapeIou(sizes[2 * i], sizes[2 * i + 1], shapes[2 * q], shapes[2 * q + 1]));
    sum += best;
  }
  return n ? sum / n : 0;
}

/** Options of {@link suggestAnchors}. */
export interface AnchorFitOptions {
  /** Number of shape clusters (default 2 per feature map, at least 6). */
  k?: number;
  seed?: number;
  /** Percentiles of box scale sqrt(w·h) the scale ladder spans (default 2 and 98). */
  scalePercentiles?: [number, number];
}

/** A suggested layout plus what it was derived from. */
export interface AnchorSuggestion {
  /** Paste into the spec's `anchors`. Same generator type as the base spec. */
  anchors: AnchorSpec;
  clusters: { width: number; height: number; scale: number; aspect: number; boxes: number; layer: number }[];
  /** Mean best IoU of the boxes with the cluster shapes. */
  meanIou: number;
  boxes: number;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

function percentile(sorted: Float64Array, p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))));
  return sorted[i];
}

/**
 * Suggests an anchor layout for the feature maps of `base` (its generator type is kept) from
 * `(N,2)` normalised box sizes.
 */
export function suggestAnchors(sizes: Float32Array, base: AnchorSpec, opts: AnchorFitOptions = {}): AnchorSuggestion {
  const L = base.featureMaps.length;
  const k = opts.k ?? Math.max(6, 2 * L);
  const clusters = kmeansIou(sizes, k, opts.seed ?? 1);
  const n = sizes.length / 2;
  const scales = Float64Array.from({ length: n }, (_, i) => Math.sqrt(sizes[2 * i] * sizes[2 * i + 1])).sort();
  const [pLo, pHi] = opts.scalePercentiles ?? [2, 98];
  const lo = Math.max(0.01, percentile(scales, pLo));
  const hi = Math.min(1, Math.max(lo * 1.5, percentile(scales, pHi)));
  const minScale = round2(lo);
  const maxScale = round2(Math.max(hi, minScale + 0.05));
  // Scale of each layer on the linear ladder (SSD paper eq. 4).
  const layerScale = (l: number): number => (L === 1 ? minScale : minScale + ((maxScale - minScale) * l) / (L - 1));
  const info = Array.from({ length: clusters.counts.length }, (_, q) => {
    const w = clusters.centroids[2 * q];
    const h = clusters.centroids[2 * q + 1];
    const scale = Math.sqrt(w * h);
    let layer = 0;
    for (let l = 1; l < L; l++) if (Math.abs(Math.log(layerScale(l) / scale)) < Math.abs(Math.log(layerScale(layer) / scale))) layer = l;
    return { width: w, height: h, scale, aspect: w / h, boxes: clusters.counts[q], layer };
  });
  // Ratios ≥ 1 (flip adds 1/r); ratios near 1 are covered by the generator's square boxes.
  const ratiosOf = (list: typeof info): number[] => {
    const rs = list.filter((c) => c.boxes > 0).map((c) => round2(Math.max(c.aspect, 1 / c.aspect))).filter((r) => r >= 1.25);
    return [...new Set(rs.map((r) => Math.round(r * 2) / 2))].sort((a, b) => a - b);
  };
  const perLayer = Array.from({ length: L }, (_, l) => {
    const r = ratiosOf(info.filter((c) => c.layer === l));
    return r.length ? r : [2];
  });
  let anchors: AnchorSpec;
  if (base.type === 'ssd') {
    anchors = { ...base, minScale, maxScale, aspectRatios: perLayer, flip: true };
  } else if (base.type === 'tf-grid') {
    const all = ratiosOf(info);
    const both = [...new Set([1, ...all.flatMap((r) => [r, round2(1 / r)])])];
    anchors = { ...base, minScale, maxScale, aspectRatios: both };
  } else {
    const tv = { ...base, minRatio: minScale, maxRatio: maxScale, aspectRatios: perLayer };
    // Explicit scales would override the fitted ratio range.
    delete tv.scales;
    anchors = tv;
  }
  return { anchors, clusters: info, meanIou: clusters.meanIou, boxes: n };
}
