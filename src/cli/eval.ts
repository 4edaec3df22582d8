/**
 * `ssd-stream eval` — evaluation: `eval mot` (tracking, MOTChallenge files) and the default
 * `eval detections` (mAP).
 */
import type { Command } from 'commander';
import { registerMot } from './eval-mot.js';
import { registerDetections } from './eval-detections.js';

/** Registers `eval` and its subcommands on the program. */
export function register(program: Command): void {
  const evalCmd = program.command('eval').description('evaluate detections (mAP, default) or tracking (mot)');
  registerMot(evalCmd);
  registerDetections(evalCmd);
}
