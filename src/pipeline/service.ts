/**
 * One running `serve`: metrics registry + pipelines runtime + HTTP/WebSocket server, started
 * from a validated config, and its orderly shutdown. The CLI commands `serve` and `demo` are thin
 * wrappers around this, so tests and benchmarks can start the same thing in-process.
 */
import { errorMessage } from '../errors.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import { createMetrics, type Metrics } from '../server/metrics.js';
import { startServer, type RunningServer } from '../server/http-server.js';
import type { AppConfig } from './config-schema.js';
import { createRuntime, type PipelineRuntime } from './runtime.js';
import { defaultRuntimeDeps } from './runtime-deps.js';
import type { RuntimeDeps } from './runtime-ports.js';

/** A started service. */
export interface Service {
  /** `http://host:port/` as a browser on this machine reaches it. */
  url: string;
  port: number;
  runtime: PipelineRuntime;
  metrics: Metrics;
  server: RunningServer;
  /** Stops sources, drains in-flight batches, closes sockets and models. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startService}. */
export interface ServiceOptions {
  deps?: RuntimeDeps;
  logger?: Logger;
}

/** Starts pipelines (models loaded, sources started) and then the server. */
export async function startService(config: AppConfig, opts: ServiceOptions = {}): Promise<Service> {
  const log = opts.logger ?? rootLogger;
  const metrics = createMetrics({ lagSampleMs: config.server.metrics.lagSampleMs });
  let runtime: PipelineRuntime;
  try {
    runtime = await createRuntime(config, { deps: opts.deps ?? defaultRuntimeDeps, metrics, logger: log });
  } catch (e) {
    metrics.close();
    throw e;
  }
  let server: RunningServer;
  try {
    const s = config.server;
    server = await startServer({
      runtime,
      metrics,
      host: s.host,
      port: s.port,
      auth: {
        token: s.authToken ?? undefined,
        allowedOrigins: s.allowedOrigins.length > 0 ? [...s.allowedOrigins] : undefined,
      },
      logger: log,
    });
  } catch (e) {
    await runtime.stop();
    metrics.close();
    throw e;
  }
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      // Sources first so nothing new enters, then drain batches already running (their results
      // still reach clients), then the sockets, then the registry.
      await runtime.stop(Math.max(500, config.server.shutdownTimeoutMs - 1500));
      await server.close();
      metrics.close();
    })());
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? 'localhost' : config.server.host;
  return { url: `http://${host}:${server.port}/`, port: server.port, runtime, metrics, server, stop };
}

/**
 * Stops `service` on SIGINT/SIGTERM and exits 0, or exits anyway after `timeoutMs`; a second
 * signal exits at once. Returns a function that removes the handlers.
 */
export function exitOnSignals(service: Service, timeoutMs: number, log: Logger = rootLogger): () => void {
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      log.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    log.info({ signal: sig }, 'shutting down');
    const timer = setTimeout(() => {
      log.warn({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(0);
    }, timeoutMs);
    timer.unref();
    service.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: errorMessage(e) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
