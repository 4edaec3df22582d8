/**
 * `ssd-stream eval [detections]` — detection mAP. Either runs a model (`--model`, anything
 * `detect` loads) over a dataset's images, or scores a COCO results file (`--detections`) from
 * any other system; the ground truth (`--data`) is a dataset folder or any importable annotation
 * file. Prints a table of VOC and COCO metrics and a confusion summary, or one JSON object with
 * `--json`; `--curves DIR` writes precision-recall PNGs.
 */
import type { Command } from 'commander';
import { action } from './run.js';
import { parseOptionalNumber } from './options.js';
import { ConfigError } from '../errors.js';
import { resolveModel } from '../models/catalog.js';
import { confusionSummary, formatConfusion } from '../eval/confusion.js';
import { detectOnDataset, groundTruthSet, readCocoResults } from '../eval/dataset-eval.js';
import { evaluateMap, formatMapTable } from '../eval/map.js';
import { writePrCurves } from '../eval/pr-curve.js';
import { ImportReport } from '../training/data/import-report.js';
import { DATASET_FORMATS, loadAnyDataset, type DatasetFormat } from '../training/data/load-any.js';
import { splitDataset } from '../training/data/split.js';

interface EvalDetOpts {
  model?: string;
  data?: string;
  split: string;
  valFraction: string;
  detections?: string;
  format?: string;
  images?: string;
  video?: string;
  every?: string;
  classes?: string;
  json?: boolean;
  curves?: string;
  iou: string;
  scoreThreshold: string;
  confusionScore: string;
}

/** Registers the default `detections` subcommand under `eval`. */
export function registerDetections(evalCmd: Command): void {
  evalCmd
    .command('detections', { isDefault: true })
    .description('detection mAP (VOC and COCO) of a model, or of a COCO results file, on a dataset')
    .option('--model <name|path>', 'catalogue name or .onnx path to run over the images')
    .option('--detections <file>', 'COCO results JSON to score instead of running a model')
    .option('--data <dataset>', 'ground truth: dataset folder or any importable annotation file')
    .option('--split <name>', 'train, val or all', 'all')
    .option('--val-fraction <f>', 'val share when the split is computed', '0.2')
    .option('--format <format>', `annotation format of --data: ${DATASET_FORMATS.join(', ')}`)
    .option('--images <dir>', 'images / frames folder for --data')
    .option('--video <file>', 'annotated video for --data (CVAT video, MOT)')
    .option('--every <n>', 'video annotations: every n-th frame')
    .option('--classes <list>', 'evaluate only these classes (class map syntax, names as the model labels them)')
    .option('--iou <iou>', 'IoU threshold of the VOC metric and the confusion summary', '0.5')
    .option('--score-threshold <s>', 'model runs: lowest score kept', '0.01')
    .option('--confusion-score <s>', 'operating score of the confusion summary', '0.5')
    .option('--curves <dir>', 'write precision-recall PNGs here')
    .option('--json', 'print one JSON object')
    .action(action(runEval));
}

async function runEval(o: EvalDetOpts): Promise<void> {
  if (!o.data) throw new ConfigError('--data', 'give the ground truth (dataset folder or annotation file)');
  if (!o.model === !o.detections) throw new ConfigError('--model', 'give either --model or --detections');
  if (!['train', 'val', 'all'].includes(o.split)) throw new ConfigError('--split', `expected train, val or all, got "${o.split}"`);
  if (o.format && !(DATASET_FORMATS as readonly string[]).includes(o.format)) {
    throw new ConfigError('--format', `"${o.format}" is not one of ${DATASET_FORMATS.join(', ')}`);
  }
  const iouThreshold = parseOptionalNumber('--iou', o.iou, 0.01, 1)!;
  const report = new ImportReport();
  const { dataset } = await loadAnyDataset(o.data, {
    format: o.format as DatasetFormat | undefined,
    imagesDir: o.images,
    video: o.video,
    every: parseOptionalNumber('--every', o.every, 1, 1e6, true),
    classes: o.classes,
    report,
  });
  if (report.total) process.stderr.write(`ground truth: ${report.summary()}\n`);
  let imageIds = dataset.images.map((i) => i.id);
  if (o.split !== 'all') {
    const split = splitDataset(dataset, { valFraction: parseOptionalNumber('--val-fraction', o.valFraction, 0, 1) });
    imageIds = o.split === 'val' ? split.val : split.train;
  }
  const set = groundTruthSet(dataset, imageIds);
  let source: Record<string, unknown>;
  if (o.model) {
    const model = await resolveModel(o.model);
    const tty = process.stderr.isTTY && !o.json;
    const run = await detectOnDataset(model, dataset, imageIds, {
      scoreThreshold: parseOptionalNumber('--score-threshold', o.scoreThreshold, 0, 1),
      onProgress: tty ? (done, total) => process.stderr.write(`\r  detecting ${done}/${total} images`) : undefined,
    });
    if (tty) process.stderr.write('\n');
    if (run.missingClasses.length) process.stderr.write(`warning: the model has no label for ${run.missingClasses.join(', ')} (AP 0); rename with --classes\n`);
    set.detections = run.detections;
    source = { model, modelName: run.modelName, unmatchedLabels: run.unmatchedLabels };
  } else {
    const r = await readCocoResults(o.detections!, dataset);
    if (r.info.unknownImage || r.info.unknownClass) {
      process.stderr.write(`detections: ${r.info.unknownImage} on unknown images, ${r.info.unknownClass} of unknown classes skipped\n`);
    }
    set.detections = r.detections;
    source = { detections: o.detections, ...r.info };
  }
  const { report: metrics, curves } = evaluateMap(set, { voc: { iouThreshold } });
  const confusion = confusionSummary(set, { iouThreshold, scoreThreshold: parseOptionalNumber('--confusion-score', o.confusionScore, 0, 1) });
  let curveFiles: string[] = [];
  if (o.curves) {
    curveFiles = await writePrCurves(
      curves.map((c) => ({ name: dataset.classes[c.classId], recall: c.recall, precision: c.precision, ap: c.ap, colourIndex: c.classId })),
      o.curves,
      `IoU ${iouThreshold}`,
    );
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...metrics, split: o.split, confusion, ...source, curves: curveFiles.length ? curveFiles : undefined })}\n`);
    return;
  }
  process.stdout.write(`${formatMapTable(metrics)}\n\n${formatConfusion(confusion)}\n`);
  if (curveFiles.length) process.stdout.write(`\nprecision-recall curves: ${curveFiles.length} PNGs in ${o.curves}\n`);
}
