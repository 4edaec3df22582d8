/**
 * A WebSocket to `/ws` that reconnects with backoff, decodes binary frames, and re-sends the
 * current subscription after every reconnect.
 */
import { decodeFrame, type FrameHeader, type ServerMessage, type Subscription } from '../server/ws-protocol.js';

/** Connection state shown in the header badge. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

/** Callbacks and settings of {@link connectHub}. */
export interface HubClientOptions {
  token: string | null;
  subscription: Subscription;
  onMessage(msg: ServerMessage): void;
  onFrame(header: FrameHeader, jpeg: Uint8Array): void;
  onState(state: ConnectionState): void;
}

/** A live connection handle. */
export interface HubClient {
  /** Changes the subscription (sent now if open, and after every reconnect). */
  subscribe(sub: Partial<Subscription>): void;
  close(): void;
}

const BACKOFF_MS = [500, 1000, 2000, 5000];

/** Opens `/ws` on the page's host and keeps it open. */
export function connectHub(opts: HubClientOptions): HubClient {
  const sub: Subscription = { ...opts.subscription };
  let ws: WebSocket | undefined;
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const url = (): string => {
    const u = new URL('ws', location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (sub.streams) u.searchParams.set('streams', sub.streams.join(','));
    if (sub.frames) u.searchParams.set('frames', '1');
    if (opts.token) u.searchParams.set('token', opts.token);
    return u.href;
  };

  const open = (): void => {
    opts.onState('connecting');
    const sock = new WebSocket(url());
    sock.binaryType = 'arraybuffer';
    ws = sock;
    sock.onopen = () => {
      attempt = 0;
      opts.onState('open');
    };
    sock.onmessage = (ev: MessageEvent<string | ArrayBuffer>) => {
      if (typeof ev.data === 'string') {
        opts.onMessage(JSON.parse(ev.data) as ServerMessage);
        return;
      }
      try {
        const { header, jpeg } = decodeFrame(ev.data);
        opts.onFrame(header, jpeg);
      } catch (e) {
        console.warn('ssd-stream: bad binary frame', e);
      }
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = undefined;
      opts.onState('closed');
      if (stopped) return;
      timer = setTimeout(open, BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]);
    };
  };
  open();

  return {
    subscribe(change) {
      Object.assign(sub, change);
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'subscribe', ...sub }));
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      ws?.close(1000);
    },
  };
}
