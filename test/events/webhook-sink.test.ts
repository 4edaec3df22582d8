import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookSink } from '../../src/events/webhook-sink.js';
import { createEventSinks } from '../../src/events/create-event-sinks.js';
import { isSsdsError, ErrorCodes } from '../../src/errors.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('webhook sink', () => {
  it('POSTs each event as JSON, in order, with the configured headers', async () => {
    const got: Array<{ body: unknown; type: string | undefined; auth: string | undefined }> = [];
    const url = await listen((req, body, res) => {
      got.push({ body: JSON.parse(body), type: req.headers['content-type'], auth: req.headers.authorization });
      res.end('ok');
    });
    const sink = createWebhookSink({ url, headers: { authorization: 'Bearer x' } });
    for (let i = 0; i < 5; i++) sink.publish({ type: 'zone.enter', i });
    await until(() => got.length === 5);
    expect(got.map((g) => (g.body as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    expect(got[0]).toMatchObject({ type: 'application/json', auth: 'Bearer x' });
    await sink.close();
    expect(sink.stats!()).toEqual({ sent: 5, failed: 0, dropped: 0, queued: 0 });
  });

  it('retries 503 with backoff and does not retry a 400', async () => {
    let calls = 0;
    const url = await listen((_req, body, res) => {
      calls++;
      const e = JSON.parse(body) as { type: string };
      res.statusCode = e.type === 'bad' ? 400 : calls <= 2 ? 503 : 200;
      res.end();
    });
    const sink = createWebhookSink({ url, backoffMs: 20, maxRetries: 3 });
    sink.publish({ type: 'good' });
    await until(() => sink.stats!().sent === 1);
    expect(calls).toBe(3); // two 503s, then delivered
    sink.publish({ type: 'bad' });
    await until(() => sink.stats!().failed === 1);
    expect(calls).toBe(4);
    await sink.close();
  });

  it('a dead endpoint never blocks publish: the queue is bounded and close() returns', async () => {
    // A server that accepts connections and never answers (worse than refusing them).
    let connections = 0;
    const url = await listen(() => {
      connections++;
    });
    const sink = createWebhookSink({ url, timeoutMs: 60_000, maxQueue: 100, closeTimeoutMs: 200 });
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      // publish returns nothing to await: the caller cannot be held up by the network.
      expect(sink.publish({ type: 'line.cross', i })).toBeUndefined();
    }
    const s = sink.stats!();
    // Synchronously after 10 000 publishes, all but the bounded queue (+1 taken by the sender) are dropped.
    expect(s.queued).toBeLessThanOrEqual(101);
    expect(s.dropped).toBeGreaterThanOrEqual(n - 101);
    expect(s.sent).toBe(0);
    await until(() => connections === 1);
    await sink.close(); // must not wait the 60 s request timeout
    expect(sink.stats!().sent).toBe(0);
    expect(connections).toBe(1);
  });

  it('a refused connection gives up after the retries and moves on', async () => {
    const url = await listen((_r, _b, res) => res.end());
    servers[0].close();
    await new Promise((r) => setTimeout(r, 20));
    const sink = createWebhookSink({ url, backoffMs: 5, maxRetries: 2 });
    sink.publish({ type: 'a' });
    sink.publish({ type: 'b' });
    await until(() => sink.stats!().failed === 2);
    await sink.close();
  });

  it('config is validated with CONFIG_INVALID naming the key', () => {
    try {
      createEventSinks([{ type: 'webhook', url: 'ftp://x' }], 'pipelines.0.events');
      expect.unreachable();
    } catch (e) {
      expect(isSsdsError(e, ErrorCodes.CONFIG_INVALID)).toBe(true);
      expect((e as Error).message).toMatch(/^pipelines\.0\.events\.0\.url/);
    }
    expect(() => createEventSinks([{ type: 'carrier-pigeon' } as never])).toThrow(/events\.0/);
  });
});
