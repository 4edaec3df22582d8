/**
 * `ssd-stream demo`: the server on the default (face) model with `pipelines/demo.yaml`, whose
 * streams ffmpeg renders from photos shipped in node_modules, so it works offline and without a
 * camera. Prints the URL to open.
 */
import type { Command } from 'commander';
import { action } from './run.js';
import { loadConfig } from '../pipeline/config-loader.js';
import { projectPath } from '../util/project-root.js';
import { parsePort, runService } from './serve.js';

/** Adds `demo` to the program. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('serve moving demo streams (no camera needed) on the default model; prints the URL')
    .option('--port <n>', 'HTTP port (default 8080; 0 = any free port)')
    .option('--host <addr>', 'interface to listen on (default 0.0.0.0)')
    .option('-c, --config <file>', 'server config YAML')
    .action(
      action(async (opts: { port?: string; host?: string; config?: string }) => {
        const config = loadConfig({
          configPath: opts.config,
          pipelinePath: projectPath('pipelines', 'demo.yaml'),
          overrides: { port: parsePort(opts.port), host: opts.host },
        });
        await runService(config, 'ssd-stream demo: open');
      }),
    );
}
