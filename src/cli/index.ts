#!/usr/bin/env node
/**
 * The `ssd-stream` program. Each command lives in its own file and exports
 * `register(program)`; this file only wires them together.
 */
import { Command } from 'commander';
import { setVerbose } from './run.js';
import { setLogLevel } from '../util/logger.js';
import { register as detect } from './detect.js';
import { register as models } from './models.js';
import { register as serve } from './serve.js';
import { register as demo } from './demo.js';
import { register as track } from './track.js';
import { register as evalCmd } from './eval.js';
import { register as train } from './train.js';
import { register as dataset } from './dataset.js';
import { register as anchors } from './anchors.js';
import { register as exportCmd } from './export.js';

const program = new Command('ssd-stream')
  .description('Real-time SSD video analytics: detect, serve, track, train, evaluate, export')
  .option('--verbose', 'debug logs and stack traces on errors')
  .hook('preAction', (cmd) => {
    if (cmd.opts().verbose) {
      setVerbose(true);
      setLogLevel('debug');
    }
  });

for (const reg of [detect, models, serve, demo, track, evalCmd, train, dataset, anchors, exportCmd]) reg(program);

await program.parseAsync(process.argv);
