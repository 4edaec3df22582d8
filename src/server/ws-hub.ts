/**
 * The WebSocket hub behind `/ws`: one subscription to the runtime's results, JPEGs and events,
 * fanned out to every client whose subscription matches. Each message is serialised once, not
 * once per client. Slow clients lose messages instead of growing buffers: frames are dropped
 * above `frameBufferLimit` bytes of `bufferedAmount`, everything above `hardBufferLimit`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Subscription as RxSubscription } from 'rxjs';
import { WebSocketServer, WebSocket } from 'ws';
import { ErrorCodes, errorMessage } from '../errors.js';
import type { FrameResult, RuntimeApi, StreamInfo } from '../pipeline/runtime-api.js';
import { logger as rootLogger, type Logger } from '../util/logger.js';
import type { Metrics } from './metrics.js';
import { diffStates, snapshotStates, type StateSnapshot } from './stream-state-diff.js';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  parseClientMessage,
  parseFlagParam,
  parseStreamsParam,
  toDetectionsMessage,
  type ServerMessage,
  type Subscription,
} from './ws-protocol.js';

/** Options of {@link WsHub}; limits in bytes, periods in ms. */
export interface WsHubOptions {
  runtime: RuntimeApi;
  metrics: Metrics;
  /** Above this `bufferedAmount` a client gets no JPEG frames (default 1 MiB, ~10-20 frames). */
  frameBufferLimit?: number;
  /** Above this `bufferedAmount` a client gets no messages at all (default 4 MiB). */
  hardBufferLimit?: number;
  /** How often stream states are polled for `state` messages, ms (default 250). */
  pollMs?: number;
  /** How often the stream list with fps/latency is pushed, ms (default 2000). */
  statsMs?: number;
  /** Ping period; a client that misses a whole period is terminated, ms (default 30000). */
  heartbeatMs?: number;
  logger?: Logger;
}

/** Defaults of {@link WsHubOptions}. */
export const WS_HUB_DEFAULTS = {
  frameBufferLimit: 1024 * 1024, // bytes
  hardBufferLimit: 4 * 1024 * 1024, // bytes
  pollMs: 250, // ms
  statsMs: 2000, // ms
  heartbeatMs: 30_000, // ms
  maxPayload: 64 * 1024, // bytes a client message may have; client messages are tiny
} as const;

/** Per-connection state. */
interface Client {
  sub: Subscription;
  alive: boolean;
}

/** Fans pipeline output out to WebSocket clients. Create one per server. */
export class WsHub {
  private readonly wss: WebSocketServer;
  private readonly clients = new Map<WebSocket, Client>();
  private readonly rx: RxSubscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly opts: Required<Omit<WsHubOptions, 'logger'>>;
  private readonly log: Logger;
  private lastStates: StateSnapshot = new Map();
  private closed = false;

  constructor(options: WsHubOptions) {
    this.opts = { ...WS_HUB_DEFAULTS, ...options };
    this.log = (options.logger ?? rootLogger).child({ module: 'ws-hub' });
    // Deflate costs CPU per client and JPEGs do not shrink: leave it off.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: WS_HUB_DEFAULTS.maxPayload, perMessageDeflate: false });
    const { runtime } = this.opts;
    this.rx.push(
      runtime.results$.subscribe({ next: (r) => this.onResult(r), error: (e) => this.onSourceError('results$', e) }),
      runtime.jpegs$.subscribe({
        next: (j) => this.onJpeg(j.stream, j.seq, j.jpeg),
        error: (e) => this.onSourceError('jpegs$', e),
      }),
      runtime.events$.subscribe({
        next: (event) => this.broadcast(event.stream, { type: 'event', event }),
        error: (e) => this.onSourceError('events$', e),
      }),
    );
    this.lastStates = snapshotStates(this.safeStreams());
    this.timers.push(
      setInterval(() => this.pollStates(), this.opts.pollMs),
      setInterval(() => this.pushStreams(), this.opts.statsMs),
      setInterval(() => this.heartbeat(), this.opts.heartbeatMs),
    );
    for (const t of this.timers) t.unref();
  }

  /** Connected clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Completes an HTTP upgrade already checked for path, auth and origin by the server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const sub: Subscription = {
        streams: parseStreamsParam(url.searchParams.get('streams')),
        frames: parseFlagParam(url.searchParams.get('frames')),
      };
      this.addClient(ws, sub);
    });
  }

  /** Closes every client with 1001 (going away) and stops listening to the runtime. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.rx) s.unsubscribe();
    for (const t of this.timers) clearInterval(t);
    const closing = [...this.clients.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1001, 'server shutting down');
          // A client that never answers the close handshake must not hold up shutdown.
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 1000).unref();
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private addClient(ws: WebSocket, sub: Subscription): void {
    const client: Client = { sub, alive: true };
    this.clients.set(ws, client);
    this.opts.metrics.wsClients.set(this.clients.size);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onClientMessage(ws, client, data, isBinary));
    ws.on('error', (e) => this.log.debug({ err: errorMessage(e) }, 'client socket error'));
    ws.on('close', () => {
      this.clients.delete(ws);
      this.opts.metrics.wsClients.set(this.clients.size);
    });
    this.sendJson(ws, {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      subscription: { ...sub },
      streams: this.safeStreams(),
    });
  }

  private onClientMessage(ws: WebSocket, client: Client, data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) return this.sendError(ws, 'binary messages are not accepted; send JSON text');
    const parsed = parseClientMessage(rawToString(data));
    if (!parsed.ok) return this.sendError(ws, parsed.message);
    const msg = parsed.message;
    if (msg.type === 'ping') {
      this.sendJson(ws, msg.id === undefined ? { type: 'pong' } : { type: 'pong', id: msg.id });
      return;
    }
    if (msg.streams !== undefined) client.sub.streams = msg.streams;
    if (msg.frames !== undefined) client.sub.frames = msg.frames;
    this.sendJson(ws, { type: 'subscribed', ...client.sub });
  }

  /**
   * The runtime's Subjects call this synchronously inside its `next()`, so the runtime's own
   * `send` stage timing already includes this fan-out; observing it here would count it twice.
   */
  private onResult(r: FrameResult): void {
    let text: string | undefined;
    for (const [ws, c] of this.clients) {
      if (!wants(c.sub, r.stream)) continue;
      text ??= JSON.stringify(toDetectionsMessage(r));
      this.sendText(ws, text);
    }
  }

  private onJpeg(stream: string, seq: number, jpeg: Uint8Array): void {
    let message: Uint8Array | undefined;
    for (const [ws, c] of this.clients) {
      if (!c.sub.frames || !wants(c.sub, stream) || ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > this.opts.frameBufferLimit) {
        this.opts.metrics.wsDropped.inc({ reason: 'slow_client' });
        continue;
      }
      message ??= encodeFrame({ stream, seq }, jpeg);
      ws.send(message, { binary: true }, ignoreSendError);
    }
  }

  /** Sends a JSON message to every client subscribed to `stream`. */
  private broadcast(stream: string, msg: ServerMessage): void {
    let text: string | undefined;
    for (const [ws, c] of this.clients) {
      if (!wants(c.sub, stream)) continue;
      text ??= JSON.stringify(msg);
      this.sendText(ws, text);
    }
  }

  private sendJson(ws: WebSocket, msg: ServerMessage): void {
    this.sendText(ws, JSON.stringify(msg));
  }

  private sendError(ws: WebSocket, message: string): void {
    this.sendJson(ws, { type: 'error', code: ErrorCodes.API_BAD_REQUEST, message });
  }

  /** The one place text leaves: bounded by the hard limit like frames are by theirs. */
  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.opts.hardBufferLimit) {
      this.opts.metrics.wsDropped.inc({ reason: 'buffer_full' });
      return;
    }
    ws.send(text, ignoreSendError);
  }

  private safeStreams(): StreamInfo[] {
    try {
      return this.opts.runtime.streams();
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'runtime.streams() failed');
      return [];
    }
  }

  /** The runtime has no state stream, so states are polled and changes pushed. */
  private pollStates(): void {
    const streams = this.safeStreams();
    const diff = diffStates(this.lastStates, streams);
    this.lastStates = diff.next;
    if (this.clients.size === 0) return;
    for (const s of diff.changed) {
      this.broadcast(s.id, {
        type: 'state',
        stream: s.id,
        state: s.state,
        ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
      });
    }
    if (diff.listChanged) this.pushStreams(streams);
  }

  private pushStreams(streams?: StreamInfo[]): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify({ type: 'streams', streams: streams ?? this.safeStreams() } satisfies ServerMessage);
    for (const ws of this.clients.keys()) this.sendText(ws, text);
  }

  private heartbeat(): void {
    for (const [ws, c] of this.clients) {
      if (!c.alive) {
        ws.terminate();
        continue;
      }
      c.alive = false;
      ws.ping();
    }
  }

  private onSourceError(name: string, e: unknown): void {
    this.log.error({ err: errorMessage(e) }, `runtime ${name} failed; the hub no longer receives it`);
  }
}

/** True when a subscription covers `stream`. */
function wants(sub: Subscription, stream: string): boolean {
  return sub.streams === null || sub.streams.includes(stream);
}

function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** A send to a socket that just closed fails; the close handler cleans up. */
function ignoreSendError(): void {}
