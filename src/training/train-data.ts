/**
 * The data side of a training run: load (or import) the datasets, split train/val, and turn
 * pictures into what a step consumes — model-size samples (augmented, seeded), their
 * anchor-matched targets, and, on the fast path, the frozen trunk's cached features.
 */
import { ErrorCodes, SsdsError } from '../errors.js';
import type { SsdNetwork } from '../models/ssd-network.js';
import type { ModelSpec } from '../ssd/spec.js';
import { augmentSample } from './augment/augment.js';
import { sampleRng } from './augment/rng.js';
import type { DetectionSample, ModelSample } from './augment/sample.js';
import type { Dataset } from './data/dataset-format.js';
import { loadAnyDataset } from './data/load-any.js';
import { createSampleLoader } from './data/sample-loader.js';
import { splitDataset, subsetDataset } from './data/split.js';
import type { CachedFeatures, FeatureExtractor } from './feature-cache.js';
import { DEFAULT_MATCH_OPTIONS, matchTargets } from './target-matcher.js';
import type { ValImage } from './val-eval.js';

/** Train and val datasets with the class list the model learns. */
export interface RunData {
  train: Dataset;
  val: Dataset;
  classes: string[];
}

/** Loads `data` (and `valData`) with the class map; splits when there is no separate val set. */
export async function loadRunData(opts: { data: string; valData?: string; classes?: string; valFraction: number; seed: number }): Promise<RunData> {
  const { dataset } = await loadAnyDataset(opts.data, { classes: opts.classes });
  let train = dataset;
  let val: Dataset;
  if (opts.valData) {
    val = (await loadAnyDataset(opts.valData, { classes: opts.classes })).dataset;
    if (val.classes.join('\u0001') !== train.classes.join('\u0001')) {
      throw new SsdsError(ErrorCodes.DATASET_INVALID, `--val-data ${opts.valData}: classes [${val.classes}] differ from --data's [${train.classes}]; pass --classes`);
    }
  } else {
    const split = splitDataset(dataset, { valFraction: opts.valFraction, seed: `ssd-stream:${opts.seed}` });
    train = subsetDataset(dataset, split.train);
    val = subsetDataset(dataset, split.val);
  }
  if (train.images.length === 0) throw new SsdsError(ErrorCodes.DATASET_INVALID, `${opts.data}: no training images`);
  if (val.images.length === 0) throw new SsdsError(ErrorCodes.DATASET_INVALID, `${opts.valData ?? opts.data}: no validation images (add images or --val-data)`);
  return { train, val, classes: [...train.classes] };
}

/** Anchor targets of one model sample. */
export interface SampleTargets {
  /** `(A)` class column per default box (background 0, ignore −1). */
  labels: Int32Array;
  /** `(A, 4)` encoded offsets. */
  offsets: Float32Array;
}

/** Matches a model sample's boxes to the default boxes (dataset class k → column k + 1). */
export function sampleTargets(s: ModelSample, anchorsCxcywh: Float32Array, spec: ModelSpec): SampleTargets {
  const gtClasses = Int32Array.from(s.classIds, (c) => c + 1);
  const t = matchTargets(s.boxesXyxy, gtClasses, anchorsCxcywh, spec.boxCoder, DEFAULT_MATCH_OPTIONS, s.ignoreXyxy);
  return { labels: t.labels, offsets: t.offsets };
}

/** One cached training view: features plus targets. */
export interface CachedView extends SampleTargets {
  features: CachedFeatures;
}

/** The model sample of variant `v` of picture `index` (variant 0 is the plain resize). */
export function variantSample(sample: DetectionSample, spec: ModelSpec, seed: number, v: number, index: number): ModelSample {
  return augmentSample(sample, spec.input, v === 0 ? undefined : sampleRng(seed, v, index));
}

/**
 * Builds the feature cache: for every picture, `variants` model samples, their targets, and the
 * trunk's features (run in batches). `onProgress` is called with pictures done.
 * @returns `views[picture][variant]`
 */
export async function buildFeatureCache(
  ds: Dataset,
  net: SsdNetwork,
  anchorsCxcywh: Float32Array,
  extractor: FeatureExtractor,
  opts: { variants: number; seed: number; batch?: number; onProgress?: (done: number) => void; onSample?: (s: ModelSample, index: number, v: number) => void },
): Promise<CachedView[][]> {
  const load = createSampleLoader(ds);
  const views: CachedView[][] = ds.images.map(() => []);
  const pending: { img: number; sample: ModelSample }[] = [];
  const batch = opts.batch ?? 8;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const feats = await extractor.extract(pending.map((p) => p.sample.image.data));
    pending.forEach((p, i) => views[p.img].push({ features: feats[i], ...sampleTargets(p.sample, anchorsCxcywh, net.spec) }));
    pending.length = 0;
  };
  for (let i = 0; i < ds.images.length; i++) {
    const sample = await load(ds.images[i]);
    for (let v = 0; v < opts.variants; v++) {
      const s = variantSample(sample, net.spec, opts.seed, v, i);
      opts.onSample?.(s, i, v);
      pending.push({ img: i, sample: s });
      if (pending.length >= batch) await flush();
    }
    opts.onProgress?.(i + 1);
  }
  await flush();
  return views;
}

/** Validation pictures: plain model samples and their ground truth in source pixels. */
export async function loadValidation(ds: Dataset, spec: ModelSpec): Promise<{ samples: ModelSample[]; images: ValImage[] }> {
  const load = createSampleLoader(ds);
  const samples: ModelSample[] = [];
  const images: ValImage[] = [];
  for (const img of ds.images) {
    const s = await load(img);
    samples.push(augmentSample(s, spec.input));
    images.push({ imageId: img.id, sourceWidth: s.image.width, sourceHeight: s.image.height, boxesXyxy: s.boxesXyxy, classIds: s.classIds, ignoreXyxy: s.ignoreXyxy });
  }
  return { samples, images };
}
