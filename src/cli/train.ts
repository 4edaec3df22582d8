/**
 * `ssd-stream train --data <dataset or annotation file> --classes a,b --base face --epochs N
 * --out runs/x`: fine-tunes an SSD (see `src/training/trainer.ts`), prints a summary, and leaves
 * `runs/x/best.onnx` ready for `models deploy`.
 */
import type { Command } from 'commander';
import { action } from './run.js';
import { parseOptionalNumber } from './options.js';
import { train } from '../training/trainer.js';
import { parseTrainOptions, type TrainOptionsInput } from '../training/train-options.js';

interface TrainCliOptions {
  data: string;
  valData?: string;
  classes?: string;
  base: string;
  out: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  optimizer?: string;
  weightDecay?: string;
  clipNorm?: string;
  warmup?: string;
  inputSize?: string;
  variants?: string;
  unfreezeEpoch?: string;
  valFraction?: string;
  seed?: string;
  resume?: boolean;
  preview?: boolean;
  backend?: string;
  progress: boolean;
  export: boolean;
  json?: boolean;
}

/** CLI flags → validated trainer options (errors name the flag). */
export function trainOptionsFromCli(o: TrainCliOptions): TrainOptionsInput {
  const num = (flag: string, raw: string | undefined, min: number, max: number, int = false) => parseOptionalNumber(flag, raw, min, max, int);
  const input: TrainOptionsInput = {
    data: o.data,
    valData: o.valData,
    classes: o.classes,
    base: o.base,
    out: o.out,
    epochs: num('--epochs', o.epochs, 1, 10000, true),
    batch: num('--batch', o.batch, 1, 256, true),
    lr: num('--lr', o.lr, 1e-9, 10),
    optimizer: o.optimizer as TrainOptionsInput['optimizer'],
    weightDecay: num('--weight-decay', o.weightDecay, 0, 1),
    clipNorm: num('--clip-norm', o.clipNorm, 0, 1e6),
    warmupEpochs: num('--warmup', o.warmup, 0, 1000),
    inputSize: num('--input-size', o.inputSize, 64, 2048, true),
    variants: num('--variants', o.variants, 1, 32, true),
    unfreezeEpoch: num('--unfreeze-epoch', o.unfreezeEpoch, 1, 10000, true),
    valFraction: num('--val-fraction', o.valFraction, 0, 0.9),
    seed: num('--seed', o.seed, -(2 ** 31), 2 ** 31 - 1, true),
    resume: Boolean(o.resume),
    preview: Boolean(o.preview),
    backend: o.backend as TrainOptionsInput['backend'],
    progress: o.progress,
    exportBest: o.export,
  };
  // Drop unset keys so the schema's defaults apply, then validate once.
  const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as TrainOptionsInput;
  parseTrainOptions(clean);
  return clean;
}

/** Adds the command to the program. */
export function register(program: Command): void {
  program
    .command('train')
    .description('fine-tune an SSD on your own data (trunk features in ONNX Runtime, heads in tfjs); writes checkpoints and best.onnx')
    .requiredOption('--data <path>', 'dataset folder or importable annotation file (COCO JSON, VOC, YOLO, CVAT, MOT)')
    .option('--val-data <path>', 'separate validation data (default: a split of --data by video segment)')
    .option('--classes <list>', 'classes to learn, e.g. person,bicycle or vehicle=car|truck (default: all)')
    .option('--base <face|checkpoint>', 'start from the face-api SSD ("face") or a checkpoint (runs/x/best)', 'face')
    .requiredOption('--out <dir>', 'run folder (checkpoints, logs, best.onnx)')
    .option('--epochs <n>', 'epochs (30)')
    .option('--batch <n>', 'batch size (8)')
    .option('--lr <x>', 'peak learning rate (0.01)')
    .option('--optimizer <sgd|adam>', 'sgd (momentum 0.9) or adam (decoupled weight decay)')
    .option('--weight-decay <x>', 'decoupled weight decay (5e-4)')
    .option('--clip-norm <x>', 'global gradient-norm clip, 0 = off (10)')
    .option('--warmup <epochs>', 'linear warm-up length in epochs (1)')
    .option('--input-size <px>', 'square input size for --base face (512; smaller trains faster)')
    .option('--variants <n>', 'augmented variants cached per picture (3)')
    .option('--unfreeze-epoch <n>', 'train every layer from this epoch (slow without tfjs-node)')
    .option('--val-fraction <x>', 'share of --data used for validation (0.2)')
    .option('--seed <n>', 'seed of augmentation, order and initialisation (1)')
    .option('--resume', 'continue from <out>/last (weights, optimiser state, epoch)')
    .option('--preview', 'write augmented samples with boxes drawn to <out>/preview')
    .option('--backend <name>', 'tfjs backend: tensorflow-gpu, tensorflow, wasm, cpu (default: best that loads)')
    .option('--no-progress', 'no progress bar')
    .option('--no-export', 'do not export best.onnx at the end')
    .option('--json', 'print the summary as JSON')
    .action(
      action(async (o: TrainCliOptions) => {
        const r = await train(trainOptionsFromCli(o));
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        const pct = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(1)}%`);
        const lines = [
          `run:            ${r.out}`,
          `backend:        ${r.backend}`,
          `val mAP@0.5:    ${pct(r.initialMap50)} before → ${pct(r.bestMap50)} best (epoch ${r.bestEpoch})`,
          `speed:          ${r.imagesPerSec.toFixed(1)} training images/s, ${r.extractPerSec.toFixed(1)} feature pictures/s`,
        ];
        if (r.onnx) lines.push(`model:          ${r.onnx.file} (ONNX/tfjs max box diff ${r.onnx.parity?.maxAbsBoxDiff.toExponential(2) ?? '-'})`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}
