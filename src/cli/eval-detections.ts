/**
 * `ssd-stream eval [detections]` — detection mAP. Placeholder registration owned by the
 * evaluation helper; it keeps the option surface so `eval` parses the same way meanwhile.
 */
import type { Command } from 'commander';
import { action } from './run.js';
import { ErrorCodes, SsdsError } from '../errors.js';

/** Registers the default `detections` subcommand under `eval`. */
export function registerDetections(evalCmd: Command): void {
  evalCmd
    .command('detections', { isDefault: true })
    .description('detection mAP (VOC / COCO) of a model on a dataset (not available yet)')
    .option('--model <name|path>', 'catalogue name or .onnx path')
    .option('--data <dir>', 'dataset directory')
    .option('--split <name>', 'dataset split')
    .option('--detections <file>', 'precomputed detections instead of running a model')
    .option('--json', 'print one JSON object')
    .action(
      action(() => {
        throw new SsdsError(ErrorCodes.CONFIG_INVALID, 'eval detections is not available yet');
      }),
    );
}
