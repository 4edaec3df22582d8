import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/http-server.js';
import { createMetrics, type Metrics } from '../../src/server/metrics.js';
import { decodeFrame, encodeFrame, type DetectionsMessage, type ServerMessage } from '../../src/server/ws-protocol.js';
import type { Detection } from '../../src/types.js';
import { FakeRuntime } from './fake-runtime.js';
import { noiseJpeg, twoToneJpeg } from './jpeg-fixtures.js';
import { connectClient, settle, type TestClient } from './ws-test-client.js';

const face: Detection = { box: [0.1, 0.2, 0.3, 0.4], score: 0.91234, classId: 1, label: 'face', trackId: 7 };

interface Started {
  server: RunningServer;
  runtime: FakeRuntime;
  metrics: Metrics;
  ws: string;
}
const running: Started[] = [];
const clients: TestClient[] = [];
async function start(over: Partial<ServerOptions> = {}): Promise<Started> {
  const runtime = new FakeRuntime();
  const metrics = createMetrics();
  const server = await startServer({ runtime, metrics, port: 0, logger: pino({ level: 'silent' }), ...over });
  const s = { server, runtime, metrics, ws: `${server.url.replace('http', 'ws')}/ws` };
  running.push(s);
  return s;
}
async function client(url: string): Promise<TestClient> {
  const c = await connectClient(url);
  clients.push(c);
  await c.next((m) => m.type === 'hello');
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const s of running.splice(0)) {
    await s.server.close();
    s.metrics.close();
  }
});

const isDetections = (m: ServerMessage): m is DetectionsMessage => m.type === 'detections';

let jpeg: Buffer;
beforeAll(async () => {
  jpeg = await twoToneJpeg(64, 48, [200, 30, 30], [30, 30, 200]);
});

describe('binary frame codec', () => {
  it('round-trips header and JPEG bytes and rejects truncated messages', () => {
    const bytes = encodeFrame({ stream: 'cäm', seq: 42 }, jpeg);
    const { header, jpeg: out } = decodeFrame(bytes);
    expect(header).toEqual({ stream: 'cäm', seq: 42 });
    expect(Buffer.from(out).equals(jpeg)).toBe(true);
    expect(new DataView(bytes.buffer).getUint32(0)).toBe(Buffer.byteLength('{"stream":"cäm","seq":42}'));
    expect(() => decodeFrame(bytes.subarray(0, 3))).toThrow(/no header length/);
    expect(() => decodeFrame(bytes.subarray(0, 10))).toThrow(/exceeds the message/);
  });
});

describe('/ws', () => {
  it('says hello with the streams and sends detections of every stream by default', async () => {
    const { runtime, ws } = await start();
    const c = await client(ws);
    const hello = c.messages[0];
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, subscription: { streams: null, frames: false } });
    expect(hello.type === 'hello' && hello.streams.map((s) => s.id)).toEqual(['cam1', 'cam2']);
    runtime.emitFrame('cam1', 0, jpeg, [face]);
    runtime.emitFrame('cam2', 0, jpeg, []);
    runtime.emitFrame('cam1', 1, jpeg, [face]);
    await c.next((m) => isDetections(m) && m.stream === 'cam1' && m.seq === 1);
    const dets = c.messages.filter(isDetections);
    expect(dets.map((m) => `${m.stream}:${m.seq}`)).toEqual(['cam1:0', 'cam2:0', 'cam1:1']);
    expect(dets[0]).toMatchObject({ model: 'face-ssd', width: 320, height: 240 });
    expect(dets[0].detections).toEqual([{ box: [0.1, 0.2, 0.3, 0.4], score: 0.912, classId: 1, label: 'face', trackId: 7 }]);
    expect(Math.abs(dets[0].capturedAt - Date.now())).toBeLessThan(5000);
    expect(c.frames).toHaveLength(0); // frames were not asked for
  });

  it('filters by ?streams= and lets a subscribe message change the subscription', async () => {
    const { runtime, ws } = await start();
    const c = await client(`${ws}?streams=cam2`);
    runtime.emitFrame('cam1', 0, undefined, []);
    runtime.emitFrame('cam2', 0, undefined, []);
    await c.next((m) => isDetections(m) && m.stream === 'cam2');
    c.send({ type: 'subscribe', streams: ['cam1'] });
    expect(await c.next((m) => m.type === 'subscribed')).toEqual({ type: 'subscribed', streams: ['cam1'], frames: false });
    runtime.emitFrame('cam2', 1, undefined, []);
    runtime.emitFrame('cam1', 1, undefined, []);
    await c.next((m) => isDetections(m) && m.stream === 'cam1');
    c.send({ type: 'subscribe', streams: null });
    await c.next((m) => m.type === 'subscribed' && m.streams === null);
    runtime.emitFrame('cam2', 2, undefined, []);
    await c.next((m) => isDetections(m) && m.stream === 'cam2' && m.seq === 2);
    expect(c.messages.filter(isDetections).map((m) => `${m.stream}:${m.seq}`)).toEqual(['cam2:0', 'cam1:1', 'cam2:2']);
  });

  it('sends binary JPEG frames tagged with the seq to clients that ask', async () => {
    const { runtime, ws } = await start();
    const withFrames = await client(`${ws}?frames=1&streams=cam1`);
    const later = await client(ws);
    later.send({ type: 'subscribe', frames: true });
    await later.next((m) => m.type === 'subscribed' && m.frames);
    runtime.emitFrame('cam1', 5, jpeg, [face]);
    await withFrames.next((m) => isDetections(m) && m.seq === 5);
    await later.next((m) => isDetections(m) && m.seq === 5);
    for (const c of [withFrames, later]) {
      expect(c.frames.map((f) => f.header)).toEqual([{ stream: 'cam1', seq: 5 }]);
      expect(Buffer.from(c.frames[0].jpeg).equals(jpeg)).toBe(true);
    }
  });

  it('answers bad messages with an error and keeps the connection', async () => {
    const { ws } = await start();
    const c = await client(ws);
    const bad: unknown[] = [
      'not json',
      '[1,2]',
      { type: 'dance' },
      { type: 'subscribe', streams: 'cam1' },
      { type: 'subscribe', streams: [1] },
      { type: 'subscribe', frames: 'yes' },
    ];
    for (const b of bad) c.send(b);
    c.ws.send(Buffer.from([1, 2, 3])); // binary from a client
    c.send({ type: 'ping', id: 'still-there' });
    await c.next((m) => m.type === 'pong');
    const errors = c.messages.filter((m) => m.type === 'error');
    expect(errors).toHaveLength(bad.length + 1);
    for (const e of errors) expect(e).toMatchObject({ code: ErrorCodes.API_BAD_REQUEST, message: expect.any(String) });
    expect(errors[2].type === 'error' && errors[2].message).toContain('dance');
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('pushes state changes of subscribed streams and pipeline events', async () => {
    const { runtime, ws } = await start({ ws: { pollMs: 50 } });
    const c = await client(`${ws}?streams=cam1`);
    runtime.setState('cam2', 'backoff'); // not subscribed: no state message for it
    runtime.setState('cam1', 'backoff', 'connection refused');
    const state = await c.next((m) => m.type === 'state');
    expect(state).toEqual({ type: 'state', stream: 'cam1', state: 'backoff', lastError: 'connection refused' });
    const list = await c.next((m) => m.type === 'streams');
    expect(list.type === 'streams' && list.streams.find((s) => s.id === 'cam1')?.state).toBe('backoff');
    runtime.eventsSubject.next({ type: 'zone.enter', stream: 'cam1', at: 1, zone: 'door', trackId: 3 });
    runtime.eventsSubject.next({ type: 'zone.enter', stream: 'cam2', at: 2, zone: 'door', trackId: 4 });
    const ev = await c.next((m) => m.type === 'event');
    expect(ev).toEqual({ type: 'event', event: { type: 'zone.enter', stream: 'cam1', at: 1, zone: 'door', trackId: 3 } });
    await settle(100);
    expect(c.messages.filter((m) => m.type === 'state').map((m) => m.type === 'state' && m.stream)).toEqual(['cam1']);
    expect(c.messages.filter((m) => m.type === 'event')).toHaveLength(1);
  });

  it('counts clients and closes them with 1001 on shutdown', async () => {
    const s = await start();
    const a = await client(s.ws);
    await client(s.ws);
    const value = async () => (await s.metrics.wsClients.get()).values[0].value;
    expect(await value()).toBe(2);
    const code = new Promise<number>((r) => a.ws.once('close', (c) => r(c)));
    await s.server.close();
    expect(await code).toBe(1001);
    expect(await value()).toBe(0);
  });
});

/** Opens /ws on a raw socket, completes the handshake, then stops reading (a stuck client). */
function stuckClient(port: number, path: string): Promise<{ socket: Socket; received: () => number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let bytes = 0;
    let handshake = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (handshake !== null && !handshake.includes('\r\n\r\n')) {
        handshake += chunk.toString('latin1');
        if (handshake.includes('\r\n\r\n')) {
          if (!handshake.startsWith('HTTP/1.1 101')) return reject(new Error(handshake.split('\r\n')[0]));
          socket.pause();
          resolve({ socket, received: () => bytes });
        }
      }
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

describe('a client that does not read', () => {
  it('gets frames dropped (counted) instead of an ever-growing buffer, while a healthy client keeps up', async () => {
    const { server, runtime, metrics, ws } = await start();
    const big = await noiseJpeg(320, 240); // ~70-100 KB, barely compressible
    const stuck = await stuckClient(server.port, '/ws?frames=1');
    const healthy = await client(`${ws}?frames=1`);
    const frames = 400;
    for (let seq = 0; seq < frames; seq++) {
      runtime.emitFrame('cam1', seq, big, [face]);
      if (seq % 10 === 9) await settle(10); // ~1000 fps in bursts, ~35 MB in total
    }
    await healthy.next((m) => isDetections(m) && m.seq === frames - 1, 20_000);
    await settle(300);
    const emitted = frames * big.length;
    const dropped = (await metrics.wsDropped.get()).values.find((v) => v.labels.reason === 'slow_client')?.value ?? 0;

    // Let the stuck client read what the server had accepted for it.
    stuck.socket.resume();
    await settle(500);
    const got = stuck.received();
    stuck.socket.destroy();

    expect(dropped).toBeGreaterThan(frames / 2);
    // What reached it is bounded by the 1 MiB limit plus kernel socket buffers, far below the total.
    expect(got).toBeLessThan(emitted / 2);
    expect(got).toBeGreaterThan(1024 * 1024);
    // The healthy client saw every result (JSON is never dropped below the hard limit).
    expect(healthy.messages.filter(isDetections)).toHaveLength(frames);
    expect(healthy.frames.length).toBeGreaterThan(frames * 0.5);
    expect(emitted).toBeGreaterThan(20 * 1024 * 1024);
  });

  it('drops JSON too once the hard limit is passed', async () => {
    const { server, runtime, metrics } = await start({ ws: { frameBufferLimit: 16 * 1024, hardBufferLimit: 64 * 1024 } });
    const stuck = await stuckClient(server.port, '/ws');
    const many: Detection[] = Array.from({ length: 60 }, (_, i) => ({ ...face, trackId: i }));
    const messages = 2000;
    for (let seq = 0; seq < messages; seq++) {
      runtime.emitFrame('cam1', seq, undefined, many);
      if (seq % 50 === 49) await settle(5);
    }
    const perMessage = JSON.stringify({ type: 'detections', stream: 'cam1', seq: 1000, detections: many }).length;
    const dropped = (await metrics.wsDropped.get()).values.find((v) => v.labels.reason === 'buffer_full')?.value ?? 0;
    stuck.socket.resume();
    await settle(500);
    const got = stuck.received();
    stuck.socket.destroy();
    expect(dropped).toBeGreaterThan(0);
    expect(got).toBeLessThan((messages * perMessage) / 2);
  });
});

