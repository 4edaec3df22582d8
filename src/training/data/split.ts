/**
 * Deterministic train/val split. Frames of a video are cut into contiguous segments and whole
 * segments go to one side, so neighbouring (near-identical) frames never straddle the split and
 * val mAP is not inflated by frames the model saw a moment earlier. Still images are split by a
 * hash of their folder and file name (not the absolute path, so a moved or copied dataset keeps
 * its split). An image's own `split` (from the source, e.g. YOLO train/val folders) always wins.
 * A dataset of two or more images never ends with an empty val side when `valFraction > 0`. The
 * same dataset and options always give the same split.
 */
import type { Dataset, DatasetImage } from './dataset-format.js';

/** Options of {@link splitDataset}; defaults in {@link DEFAULT_SPLIT}. */
export interface SplitOptions {
  /** Fraction of images wanted in val, 0..1. */
  valFraction: number;
  /**
   * Frames per segment. Default (`undefined`): per video, a tenth of its frame span capped at
   * 300 frames (10 s at 30 fps), so even a short clip has segments to share out.
   */
  segmentFrames?: number;
  /** Mixed into the hash: a different seed gives a different (still deterministic) split. */
  seed: string;
}

/** Default split options. */
export const DEFAULT_SPLIT: Readonly<SplitOptions> = Object.freeze({ valFraction: 0.2, seed: 'ssd-stream' });

/** Image ids per side. */
export interface DatasetSplit {
  train: number[];
  val: number[];
}

/** 32-bit FNV-1a of a string, as a fraction in [0, 1). */
export function hashFraction(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

/** The last two segments of a path (`images/x.jpg`): what identifies a picture wherever it lives. */
function locationFreeName(file: string): string {
  return file.split(/[\\/]/).slice(-2).join('/');
}

/** Splits `ds` (see module doc). */
export function splitDataset(ds: Pick<Dataset, 'images'>, options: Partial<SplitOptions> = {}): DatasetSplit {
  const opts = { ...DEFAULT_SPLIT, ...options };
  const train: number[] = [];
  const val: number[] = [];
  const segments = new Map<string, DatasetImage[]>();
  const free: DatasetImage[] = [];
  const byVideo = new Map<string, DatasetImage[]>();
  for (const img of ds.images) {
    if (img.split) (img.split === 'val' ? val : train).push(img.id);
    else if (img.video !== undefined) {
      const list = byVideo.get(img.video) ?? [];
      list.push(img);
      byVideo.set(img.video, list);
    } else free.push(img);
  }
  for (const [video, imgs] of byVideo) {
    const frames = imgs.map((i) => i.frame ?? 0);
    const span = Math.max(...frames) - Math.min(...frames) + 1;
    const len = Math.max(1, opts.segmentFrames ?? Math.min(300, Math.ceil(span / 10)));
    for (const img of imgs) {
      const key = `${video}#${Math.floor((img.frame ?? 0) / len)}`;
      const list = segments.get(key) ?? [];
      list.push(img);
      segments.set(key, list);
    }
  }
  // Segments in hash order; each joins val if that brings val closer to its target size.
  // Greedy by hash keeps the choice deterministic yet unrelated to position in the video.
  const target = opts.valFraction * [...segments.values()].reduce((n, s) => n + s.length, 0);
  let inVal = 0;
  const keys = [...segments.keys()].sort((a, b) => hashFraction(`${opts.seed}:${a}`) - hashFraction(`${opts.seed}:${b}`) || (a < b ? -1 : 1));
  for (const key of keys) {
    const seg = segments.get(key)!;
    const toVal = Math.abs(inVal + seg.length - target) < Math.abs(inVal - target);
    if (toVal) inVal += seg.length;
    for (const img of seg) (toVal ? val : train).push(img.id);
  }
  const freeHash = (img: DatasetImage) => hashFraction(`${opts.seed}:${locationFreeName(img.file)}`);
  for (const img of free) (freeHash(img) < opts.valFraction ? val : train).push(img.id);
  // Small sets can hash all to train; give val the lowest-hash still image rather than nothing.
  if (val.length === 0 && opts.valFraction > 0 && free.length > 0 && ds.images.length >= 2) {
    const first = free.reduce((a, b) => (freeHash(b) < freeHash(a) ? b : a));
    train.splice(train.indexOf(first.id), 1);
    val.push(first.id);
  }
  train.sort((a, b) => a - b);
  val.sort((a, b) => a - b);
  return { train, val };
}

/** The dataset restricted to one side of the split (images, boxes and ignore regions). */
export function subsetDataset<T extends Pick<Dataset, 'images' | 'annotations' | 'ignoreRegions'>>(ds: T, imageIds: Iterable<number>): T {
  const keep = new Set(imageIds);
  return {
    ...ds,
    images: ds.images.filter((i) => keep.has(i.id)),
    annotations: ds.annotations.filter((a) => keep.has(a.imageId)),
    ignoreRegions: ds.ignoreRegions.filter((r) => keep.has(r.imageId)),
  };
}
