/**
 * What `train` opens: the training images and the validation images of a dataset (or of a
 * separate `--val-data` set aligned to the same classes), each with a sample loader. The split
 * is {@link splitDataset} with its defaults unless told otherwise, so `eval --split val` later
 * scores exactly the images training held out.
 */
import { ConfigError } from '../../errors.js';
import type { DetectionSample } from '../augment/sample.js';
import type { Dataset, DatasetImage } from './dataset-format.js';
import { ImportReport } from './import-report.js';
import { loadAnyDataset, type LoadAnyOptions } from './load-any.js';
import { createSampleLoader, type LoadSampleOptions } from './sample-loader.js';
import { splitDataset, subsetDataset, type SplitOptions } from './split.js';

/** A set of images with the loader for them. */
export interface SampleSet {
  /** The dataset the images belong to (restricted to them). */
  dataset: Dataset;
  images: DatasetImage[];
  /** Decodes one of `images` with its boxes, ignored boxes and ignore regions. */
  load(image: DatasetImage): Promise<DetectionSample>;
}

/** Options of {@link openTrainingData}. */
export interface TrainingDataOptions extends Omit<LoadAnyOptions, 'report'> {
  /** A separate validation dataset (any importable form); default: split `target`. */
  valData?: string;
  split?: Partial<SplitOptions>;
  sample?: LoadSampleOptions;
}

/** Result of {@link openTrainingData}. */
export interface TrainingData {
  /** Class names by dataset class id (no background). */
  classes: string[];
  train: SampleSet;
  val: SampleSet;
  /** Import problems of both datasets. */
  report: ImportReport;
}

/**
 * Renumbers `ds`'s classes to `classes` by name (case-insensitive); boxes of other classes are
 * dropped and counted in `report.droppedByClassMap`.
 */
export function alignClasses(ds: Dataset, classes: readonly string[], report?: ImportReport): Dataset {
  const target = new Map(classes.map((c, i) => [c.toLowerCase(), i]));
  const remap = ds.classes.map((c) => target.get(c.toLowerCase()));
  const annotations = ds.annotations.flatMap((a) => {
    const c = remap[a.classId];
    if (c === undefined) {
      if (report) report.droppedByClassMap++;
      return [];
    }
    return [{ ...a, classId: c }];
  });
  return { ...ds, classes: [...classes], annotations, sourceClassIds: undefined };
}

function sampleSet(dataset: Dataset, opts?: LoadSampleOptions): SampleSet {
  return { dataset, images: dataset.images, load: createSampleLoader(dataset, opts) };
}

/** Opens the train and val sets for `target` (see module doc). */
export async function openTrainingData(target: string, opts: TrainingDataOptions = {}): Promise<TrainingData> {
  const report = new ImportReport();
  const { dataset } = await loadAnyDataset(target, { ...opts, report });
  if (dataset.images.length === 0) throw new ConfigError('--data', `${target} has no images`);
  if (opts.valData) {
    // The val set has its own layout (format detected); the same class map applies so renamed
    // and merged classes line up, then ids follow the training set's order.
    const val = await loadAnyDataset(opts.valData, { classes: opts.classes, every: opts.every, report });
    return {
      classes: dataset.classes,
      train: sampleSet(dataset, opts.sample),
      val: sampleSet(alignClasses(val.dataset, dataset.classes, report), opts.sample),
      report,
    };
  }
  const split = splitDataset(dataset, opts.split);
  return {
    classes: dataset.classes,
    train: sampleSet(subsetDataset(dataset, split.train), opts.sample),
    val: sampleSet(subsetDataset(dataset, split.val), opts.sample),
    report,
  };
}
