/**
 * `ssd-stream export runs/x/best [--out file.onnx] [--int8 --calibrate data/x]`: writes a
 * checkpoint as an ssd-stream ONNX model (spec in the metadata), always followed by the ONNX/tfjs
 * parity check; with `--int8`, also the calibrated QDQ INT8 model and its speed-up and mAP change.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { action } from './run.js';
import { parseOptionalNumber } from './options.js';
import { ConfigError } from '../errors.js';
import { checkpointBase, loadCheckpoint } from '../training/checkpoint.js';
import { loadAnyDataset } from '../training/data/load-any.js';
import { splitDataset, subsetDataset } from '../training/data/split.js';
import { exportInt8, type Int8Report } from '../training/export-int8.js';
import { exportOnnx, type ParityReport } from '../training/export-model.js';
import { loadValidation } from '../training/train-data.js';
import { selectTrainingBackend } from '../training/backend.js';

interface ExportCliOptions {
  out?: string;
  int8?: boolean;
  calibrate?: string;
  calibrationImages?: string;
  json?: boolean;
}

/** What `export` did (printed with `--json`). */
export interface ExportSummary {
  checkpoint: string;
  onnx: string;
  bytes: number;
  parity?: ParityReport;
  int8?: Int8Report & { evaluationPictures: number };
}

/** Runs the export (the command's logic, reachable without the CLI). */
export async function runExport(checkpoint: string, o: ExportCliOptions): Promise<ExportSummary> {
  if (o.int8 && !o.calibrate) throw new ConfigError('--calibrate', '--int8 needs --calibrate <data> (pictures to calibrate activation ranges on)');
  const maxPictures = parseOptionalNumber('--calibration-images', o.calibrationImages, 1, 10000, true) ?? 32;
  await selectTrainingBackend();
  const base = checkpointBase(checkpoint);
  const { net } = loadCheckpoint(base);
  const file = o.out ?? `${base}.onnx`;
  const calib = o.calibrate ? (await loadAnyDataset(o.calibrate, { classes: net.spec.labels.slice(1).join(',') })).dataset : undefined;
  // Parity runs on real pictures when the user gave some, else on seeded noise.
  const parityPictures = calib ? (await loadValidation({ ...calib, images: calib.images.slice(0, 2) }, net.spec)).samples.map((s) => s.image.data) : undefined;
  const r = await exportOnnx(net, file, { parityPictures });
  const summary: ExportSummary = { checkpoint: base, onnx: r.file, bytes: r.bytes, parity: r.parity };
  if (o.int8 && calib) {
    const int8File = file.endsWith('.onnx') ? `${file.slice(0, -5)}.int8.onnx` : `${file}.int8.onnx`;
    // Calibrate on the training side of the data and score the mAP change on the held-out side
    // (the same split `train` makes with its default seed).
    const split = splitDataset(calib, { valFraction: 0.2, seed: 'ssd-stream:1' });
    const held = split.val.length > 0 && split.train.length > 0;
    summary.int8 = await exportInt8(net, readFileSync(file), held ? subsetDataset(calib, split.train) : calib, int8File, {
      maxPictures,
      evaluation: held ? subsetDataset(calib, split.val) : undefined,
    });
  }
  return summary;
}

/** Adds the command to the program. */
export function register(program: Command): void {
  program
    .command('export')
    .description('export a checkpoint to ONNX (spec in metadata, parity-checked against tfjs); --int8 adds a calibrated INT8 model')
    .argument('<checkpoint>', 'checkpoint (runs/x/best, runs/x/best.ckpt.json or the run folder)')
    .option('--out <file>', 'ONNX file (default: <checkpoint>.onnx)')
    .option('--int8', 'also write <out>.int8.onnx (QDQ, per-channel weights, calibrated activations)')
    .option('--calibrate <data>', 'dataset or annotation file whose pictures calibrate INT8 ranges (and score the mAP change)')
    .option('--calibration-images <n>', 'pictures used for calibration (32)')
    .option('--json', 'print the summary as JSON')
    .action(
      action(async (checkpoint: string, o: ExportCliOptions) => {
        const s = await runExport(checkpoint, o);
        if (o.json) {
          process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
          return;
        }
        const lines = [`${s.onnx} (${(s.bytes / 1e6).toFixed(1)} MB); ONNX/tfjs parity: max box difference ${s.parity?.maxAbsBoxDiff.toExponential(2)} (< ${s.parity?.tolerance})`];
        if (s.int8) {
          const q = s.int8;
          lines.push(
            `${q.file} (${(q.bytes / 1e6).toFixed(1)} MB, calibrated on ${q.calibrationPictures} pictures, scored on ${q.evaluationPictures}): ${q.int8Ms.toFixed(1)} ms vs ${q.floatMs.toFixed(1)} ms float = ${q.speedup.toFixed(2)}× on this CPU; ` +
              `mAP@0.5 ${(q.floatMap50 * 100).toFixed(1)}% → ${(q.int8Map50 * 100).toFixed(1)}% (${q.map50Change >= 0 ? '+' : ''}${(q.map50Change * 100).toFixed(1)} points)`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}
