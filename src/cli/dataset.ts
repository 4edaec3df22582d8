/**
 * `ssd-stream dataset` — `import` annotations into a dataset folder, `stats` of any dataset,
 * `frames` to extract frames of a video for annotation, `split` to show or fix the train/val
 * split. The work lives in `src/training/data/`; this file parses options and prints.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { action } from './run.js';
import { parseOptionalNumber } from './options.js';
import { ConfigError } from '../errors.js';
import { saveDataset, loadDataset } from '../training/data/dataset-io.js';
import { extractFrames } from '../training/data/frame-extract.js';
import { ImportReport } from '../training/data/import-report.js';
import { DATASET_FORMATS, loadAnyDataset, type DatasetFormat, type LoadAnyOptions } from '../training/data/load-any.js';
import { splitDataset } from '../training/data/split.js';
import { datasetStats, formatStats } from '../training/data/stats.js';

interface SourceOpts {
  format?: string;
  images?: string;
  video?: string;
  every?: string;
  classes?: string;
}

/** Shared options: how to read an annotation file or folder. */
function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--format <format>', `annotation format: ${DATASET_FORMATS.join(', ')} (default: detected)`)
    .option('--images <dir>', 'images folder (COCO/VOC/YOLO) or frames folder (CVAT video, MOT)')
    .option('--video <file>', 'the annotated video (CVAT video, MOT); frames are extracted once')
    .option('--every <n>', 'video annotations: keep every n-th annotated frame')
    .option('--classes <list>', 'pick/rename classes: "person,bicycle" or "person,vehicle=car|truck"');
}

function loadOptions(o: SourceOpts, report: ImportReport, framesDir?: string): LoadAnyOptions {
  if (o.format && !(DATASET_FORMATS as readonly string[]).includes(o.format)) {
    throw new ConfigError('--format', `"${o.format}" is not one of ${DATASET_FORMATS.join(', ')}`);
  }
  return {
    format: o.format as DatasetFormat | undefined,
    imagesDir: o.images,
    video: o.video,
    framesDir,
    every: parseOptionalNumber('--every', o.every, 1, 1e6, true),
    classes: o.classes,
    report,
  };
}

/** Prints the import problems (at most 20 lines) and the summary line to stderr. */
function printReport(report: ImportReport): void {
  for (const line of report.format(20)) process.stderr.write(`  ${line}\n`);
  process.stderr.write(`import: ${report.summary()}\n`);
}

export function register(program: Command): void {
  const cmd = program.command('dataset').description('import annotations, dataset statistics, frame extraction, train/val split');

  sourceOptions(
    cmd
      .command('import')
      .description('convert COCO / VOC / YOLO / CVAT video / MOT annotations into a dataset folder')
      .argument('<annotations>', 'annotation file or folder')
      .requiredOption('--out <dir>', 'dataset folder to write (dataset.json; extracted frames in images/)'),
  ).action(
    action(async (target: string, o: SourceOpts & { out: string }) => {
      const report = new ImportReport();
      const video = o.video ? path.basename(o.video, path.extname(o.video)) : undefined;
      const framesDir = video ? path.resolve(o.out, 'images', video) : undefined;
      const { dataset } = await loadAnyDataset(target, loadOptions(o, report, framesDir));
      const file = await saveDataset(dataset, o.out);
      printReport(report);
      const s = datasetStats(dataset);
      process.stdout.write(`${file}: ${s.images} images, ${s.boxes} boxes, classes ${dataset.classes.join(', ')}\n`);
    }),
  );

  sourceOptions(
    cmd
      .command('stats')
      .description('classes, box counts, box size and aspect histograms')
      .argument('<dataset>', 'dataset folder or any importable annotation file')
      .option('--json', 'print one JSON object'),
  ).action(
    action(async (target: string, o: SourceOpts & { json?: boolean }) => {
      const report = new ImportReport();
      const { dataset } = await loadAnyDataset(target, loadOptions(o, report));
      if (report.total || report.clipped) printReport(report);
      const s = datasetStats(dataset);
      process.stdout.write(o.json ? `${JSON.stringify(s)}\n` : `${formatStats(s)}\n`);
    }),
  );

  cmd
    .command('frames')
    .description('extract frames of a video as JPEGs named by frame index (for annotation)')
    .argument('<video>', 'any video ffmpeg reads')
    .requiredOption('--out <dir>', 'folder for the frames')
    .option('--every <n>', 'keep every n-th frame', '1')
    .option('--start <frame>', 'first frame index', '0')
    .option('--end <frame>', 'last frame index (inclusive)')
    .action(
      action(async (video: string, o: { out: string; every: string; start: string; end?: string }) => {
        const r = await extractFrames(video, {
          outDir: o.out,
          every: parseOptionalNumber('--every', o.every, 1, 1e6, true),
          start: parseOptionalNumber('--start', o.start, 0, 1e9, true),
          end: parseOptionalNumber('--end', o.end, 0, 1e9, true),
        });
        process.stdout.write(`${r.frames.length} frames (${r.width}x${r.height}) ${r.cached ? 'already in' : 'written to'} ${path.resolve(o.out)}\n`);
      }),
    );

  cmd
    .command('split')
    .description('show the deterministic train/val split (by video segment / file hash), or write it into dataset.json')
    .argument('<dataset>', 'dataset folder')
    .option('--val-fraction <f>', 'fraction of images for validation', '0.2')
    .option('--segment-frames <n>', 'frames per video segment (default: a tenth of each video, at most 300)')
    .option('--seed <text>', 'split seed', 'ssd-stream')
    .option('--write', 'store the split in dataset.json so every later run uses exactly it')
    .action(
      action(async (target: string, o: { valFraction: string; segmentFrames?: string; seed: string; write?: boolean }) => {
        const ds = await loadDataset(target);
        const split = splitDataset(
          // Splits already in the file (from the source, or an earlier --write) are kept.
          ds,
          {
            valFraction: parseOptionalNumber('--val-fraction', o.valFraction, 0, 1),
            segmentFrames: parseOptionalNumber('--segment-frames', o.segmentFrames, 1, 1e9, true),
            seed: o.seed,
          },
        );
        const boxes = (ids: number[]) => {
          const s = new Set(ids);
          return ds.annotations.filter((a) => s.has(a.imageId) && !a.ignore).length;
        };
        process.stdout.write(`train: ${split.train.length} images, ${boxes(split.train)} boxes\nval:   ${split.val.length} images, ${boxes(split.val)} boxes\n`);
        if (o.write) {
          const val = new Set(split.val);
          await saveDataset({ ...ds, images: ds.images.map((img) => ({ ...img, split: val.has(img.id) ? 'val' : 'train' })) }, ds.dir);
          process.stdout.write(`split written to ${path.join(ds.dir, 'dataset.json')}\n`);
        }
      }),
    );
}
