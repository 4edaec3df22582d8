/**
 * `ssd-stream eval mot --gt gt.txt --tracks tracks.txt [--json]` — CLEAR MOT and identity
 * metrics of a MOTChallenge result file against ground truth.
 */
import type { Command } from 'commander';
import { action } from './run.js';
import { parseOptionalNumber } from './options.js';
import { readMotFile } from '../eval/mot.js';
import { evaluateMot } from '../eval/mot-metrics.js';
import { formatMotTable, motMetricsJson } from '../eval/mot-report.js';

interface EvalMotOpts {
  gt: string;
  tracks: string;
  json?: boolean;
  iou?: string;
  preprocess: boolean;
}

/** Registers `mot` under the `eval` command. */
export function registerMot(evalCmd: Command): void {
  evalCmd
    .command('mot')
    .description('MOTA, IDF1, MOTP, ID switches ... of MOTChallenge results against ground truth')
    .requiredOption('--gt <file>', 'ground truth (frame,id,left,top,width,height,flag,class,visibility)')
    .requiredOption('--tracks <file>', 'tracker results (frame,id,left,top,width,height,score,...)')
    .option('--json', 'print one JSON object instead of a table')
    .option('--iou <iou>', 'minimum IoU of a match', '0.5')
    .option('--no-preprocess', "keep every ground-truth row (no MOTChallenge class/flag filter)")
    .action(
      action(async (opts: EvalMotOpts) => {
        const iouThreshold = parseOptionalNumber('--iou', opts.iou, 0.01, 1)!;
        const [gt, hyp] = await Promise.all([readMotFile(opts.gt), readMotFile(opts.tracks)]);
        const m = evaluateMot(gt, hyp, { iouThreshold, preprocess: opts.preprocess });
        process.stdout.write(opts.json ? `${JSON.stringify(motMetricsJson(m))}\n` : formatMotTable(m));
      }),
    );
}
