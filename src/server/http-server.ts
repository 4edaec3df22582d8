/**
 * The one HTTP port of `serve`: the viewer at `/`, the REST API under `/api`, the WebSocket hub
 * at `/ws` (upgrade on the same port), `/metrics`, `/healthz` and `/readyz`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCodes, SsdsError, errorMessage } from '../errors.js';
import type { RuntimeApi } from '../pipeline/runtime-api.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import { isAuthorized, isOriginAllowed, type AuthOptions } from './auth.js';
import { HttpError, sendError, sendJson, toApiError } from './http-json.js';
import type { Metrics } from './metrics.js';
import { handleApi } from './rest-api.js';
import { createWebAssets } from './web-assets.js';
import { WsHub, type WsHubOptions } from './ws-hub.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  runtime: RuntimeApi;
  metrics: Metrics;
  /** Interface to bind (default `127.0.0.1`; `0.0.0.0` to serve the network). */
  host?: string;
  /** Port (default 8080; 0 picks a free one, see the returned `port`). */
  port?: number;
  auth?: AuthOptions;
  /** Directory with a built viewer; default `dist/web`, or bundled in memory from `src/web`. */
  webRoot?: string;
  /**
   * `/readyz` answers 200 when this returns true (pipelines running, models loaded). Default:
   * the runtime reports at least one model.
   */
  ready?: () => boolean | Promise<boolean>;
  /** Limits and periods of the WebSocket hub. */
  ws?: Omit<WsHubOptions, 'runtime' | 'metrics' | 'logger'>;
  logger?: Logger;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port` as bound. */
  url: string;
  port: number;
  /** Closes WebSocket clients (1001), then the HTTP server; resolves once all is closed. */
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. Rejects with CONFIG_INVALID when the port is taken. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = (opts.logger ?? rootLogger).child({ module: 'http' });
  const { runtime, metrics, auth } = opts;
  const assets = createWebAssets(opts.webRoot);
  const hub = new WsHub({ runtime, metrics, logger: opts.logger, ...opts.ws });
  const ready = opts.ready ?? (() => runtime.models().length > 0);

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const { status } = toApiError(e);
      if (status >= 500) log.error({ err: errorMessage(e), url: req.url }, 'request failed');
      if (!res.headersSent) sendError(res, e, corsHeaders(req));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/api' || path.startsWith('/api/')) {
      const cors = corsHeaders(req);
      for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
      if (method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-max-age': '600' }).end();
        return;
      }
      // A browser sends Origin on cross-site writes: refuse those (CSRF) unless allowed.
      if (method !== 'GET' && method !== 'HEAD' && !isOriginAllowed(req, auth)) {
        throw new HttpError(403, ErrorCodes.FORBIDDEN, `origin ${req.headers.origin} is not allowed`);
      }
      if (!isAuthorized(req, url, auth, false)) {
        throw new HttpError(401, ErrorCodes.UNAUTHORIZED, 'missing or wrong bearer token (Authorization: Bearer <token>)');
      }
      return handleApi(runtime, req, res, path);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      throw new HttpError(405, ErrorCodes.API_BAD_REQUEST, `${method} is not allowed on ${path}`);
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const ok = await ready();
      return sendJson(res, ok ? 200 : 503, { ready: ok });
    }
    if (path === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    const asset = await assets.get(path);
    if (!asset) throw new SsdsError(ErrorCodes.NOT_FOUND, `no such page ${path}`);
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(method === 'HEAD' ? undefined : asset.body);
  }

  /** CORS headers for allowed cross-origin browsers (only when an allow-list is configured). */
  function corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin || !auth?.allowedOrigins || !isOriginAllowed(req, auth)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
      vary: 'Origin',
    };
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return rejectUpgrade(socket, 404, ErrorCodes.NOT_FOUND, `no WebSocket endpoint ${url.pathname}`);
    if (!isOriginAllowed(req, auth)) {
      return rejectUpgrade(socket, 403, ErrorCodes.FORBIDDEN, `origin ${req.headers.origin} is not allowed`);
    }
    if (!isAuthorized(req, url, auth, true)) {
      return rejectUpgrade(socket, 401, ErrorCodes.UNAUTHORIZED, 'missing or wrong token (?token= or Authorization: Bearer)');
    }
    hub.handleUpgrade(req, socket, head, url);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(
        new SsdsError(
          ErrorCodes.CONFIG_INVALID,
          e.code === 'EADDRINUSE' ? `server.port: ${opts.port} is already in use` : `server: cannot listen: ${e.message}`,
          { cause: e },
        ),
      );
    };
    server.once('error', onError);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (e: unknown) => {
    await hub.close();
    throw e;
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url, viewer: assets.origin, auth: Boolean(auth?.token) }, 'server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    close() {
      closing ??= (async () => {
        await hub.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open until they time out.
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** Answers a refused upgrade with a JSON error body and closes the socket. */
function rejectUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
