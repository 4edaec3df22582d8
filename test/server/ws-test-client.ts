/**
 * A WebSocket test client that records everything it receives and can wait for a message.
 */
import WebSocket from 'ws';
import { decodeFrame, type FrameHeader, type ServerMessage } from '../../src/server/ws-protocol.js';

/** What a test client saw. */
export interface TestClient {
  ws: WebSocket;
  messages: ServerMessage[];
  frames: Array<{ header: FrameHeader; jpeg: Uint8Array }>;
  /** Resolves with the first message (already received or future) matching `pred`. */
  next<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  next(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  send(value: unknown): void;
  close(): Promise<void>;
}

/** Connects to `url` (ws://...); rejects when the upgrade is refused, with the HTTP status. */
export function connectClient(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: ServerMessage[] = [];
    const frames: TestClient['frames'] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data, isBinary) => {
      if (isBinary) frames.push(decodeFrame(new Uint8Array(data as Buffer)));
      else messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const w of waiters.splice(0)) w();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
    ws.once('open', () => {
      const client: TestClient = {
        ws,
        messages,
        frames,
        next(pred: (m: ServerMessage) => boolean, timeoutMs = 3000): Promise<ServerMessage> {
          let seen = 0;
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.type))}`)), timeoutMs);
            const check = (): void => {
              for (; seen < messages.length; seen++) {
                if (pred(messages[seen])) {
                  clearTimeout(timer);
                  return res(messages[seen]);
                }
              }
              waiters.push(check);
            };
            check();
          });
        },
        send(value) {
          ws.send(typeof value === 'string' ? value : JSON.stringify(value));
        },
        close() {
          return new Promise((res) => {
            if (ws.readyState === WebSocket.CLOSED) return res();
            ws.once('close', () => res());
            ws.close();
          });
        },
      } as TestClient;
      resolve(client);
    });
  });
}

/** Lets pending I/O run (messages in flight arrive) for `ms`. */
export function settle(ms = 100): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
