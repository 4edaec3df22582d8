/**
 * `ssd-stream serve`: runs pipelines from YAML (or quick-start `--source` URLs) behind the HTTP
 * server (viewer, REST API, WebSocket, metrics) until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { action } from './run.js';
import { ConfigError } from '../errors.js';
import { loadConfig, type ConfigOverrides } from '../pipeline/config-loader.js';
import { startService, exitOnSignals, type Service } from '../pipeline/service.js';
import type { AppConfig } from '../pipeline/config-schema.js';
import { logger } from '../util/logger.js';

/** Options of the `serve` command as commander parses them. */
export interface ServeCliOptions {
  pipeline?: string;
  config?: string;
  source?: string[];
  port?: string;
  host?: string;
  model?: string;
}

/** Parses `--port`; a bad value names the option. */
export function parsePort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError('--port', `expected an integer 0..65535, got "${v}"`);
  return n;
}

/** Starts the service from a loaded config, prints where it is and stays up until a signal. */
export async function runService(config: AppConfig, title: string): Promise<Service> {
  const service = await startService(config);
  // Hard limit just above the graceful budget, still inside the 5 s a supervisor expects.
  exitOnSignals(service, config.server.shutdownTimeoutMs + 500);
  const streams = service.runtime.streams().length;
  const wsUrl = service.url.replace(/^http/, 'ws');
  process.stdout.write(
    `${title}: ${service.url}  (${config.pipelines.length} pipeline(s), ${streams} stream(s); ` +
      `WebSocket ${wsUrl}ws, metrics ${service.url}metrics; Ctrl-C stops)\n`,
  );
  return service;
}

/** Adds `serve` to the program. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run pipelines and serve the viewer, REST API, WebSocket and metrics')
    .option('-p, --pipeline <file>', 'pipeline YAML (pipelines/*.yaml)')
    .option('-c, --config <file>', 'server config YAML (config/default.yaml documents every key)')
    .option('-s, --source <url...>', 'add a source (rtsp://, http(s)://, file, /dev/videoN, lavfi:, demo:); repeatable')
    .option('--port <n>', 'HTTP port (0 = any free port)')
    .option('--host <addr>', 'interface to listen on')
    .option('-m, --model <model>', "model for every pipeline: 'default', a catalogue name or an .onnx path")
    .action(
      action(async (opts: ServeCliOptions) => {
        const overrides: ConfigOverrides = {
          sources: opts.source,
          port: parsePort(opts.port),
          host: opts.host,
          model: opts.model,
          ensurePipeline: true,
        };
        const config = loadConfig({ configPath: opts.config, pipelinePath: opts.pipeline, overrides });
        logger.debug({ config }, 'config');
        await runService(config, 'ssd-stream serving');
      }),
    );
}
