import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import mqtt from 'mqtt';
import { createMqttSink, mqttTopic } from '../../src/events/mqtt-sink.js';
import { createEventSinks } from '../../src/events/create-event-sinks.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const haveBroker = existsSync(MOSQUITTO);
if (!haveBroker) console.warn(`skipping MQTT tests: ${MOSQUITTO} not installed (apt-get install mosquitto)`);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const brokers: ChildProcess[] = [];
afterEach(() => {
  for (const b of brokers.splice(0)) b.kill('SIGTERM');
});

/** Starts mosquitto on `port` and resolves once it accepts TCP connections. */
async function startBroker(port: number): Promise<void> {
  const b = spawn(MOSQUITTO, ['-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  brokers.push(b);
  let stderr = '';
  b.stderr!.on('data', (c) => (stderr += c));
  const end = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    if (b.exitCode !== null || Date.now() > end) throw new Error(`mosquitto did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function subscriber(port: number, topic: string) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  const got: Array<{ topic: string; event: Record<string, unknown> }> = [];
  client.on('message', (t, payload) => got.push({ topic: t, event: JSON.parse(payload.toString()) }));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, got };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('mqtt topic template', () => {
  it('fills {type} and {stream}, neutralising wildcards', () => {
    expect(mqttTopic('ssd-stream/{stream}/{type}', { type: 'zone.enter', stream: 'cam/1#' })).toBe('ssd-stream/cam_1_/zone.enter');
    expect(mqttTopic('x/{stream}', { type: 'a' })).toBe('x/_');
  });
});

describe.skipIf(!haveBroker)('mqtt sink against a real mosquitto broker', () => {
  it('a real subscriber receives every event as JSON on the templated topic', async () => {
    const port = await freePort();
    await startBroker(port);
    const sub = await subscriber(port, 'ssd-stream/#');
    const [sink] = createEventSinks([{ type: 'mqtt', url: `mqtt://127.0.0.1:${port}`, topic: 'ssd-stream/{stream}/{type}', qos: 1 }]);
    const events = [
      { type: 'track.new', stream: 'cam1', trackId: 1, label: 'person', at: 1 },
      { type: 'zone.enter', stream: 'cam1', zone: 'crosswalk', trackId: 1, at: 2 },
      { type: 'line.cross', stream: 'cam2', line: 'gate', direction: 'in', trackId: 4, at: 3 },
    ];
    for (const e of events) sink.publish(e); // before the sink has even connected
    await until(() => sub.got.length === 3);
    expect(sub.got.map((g) => g.topic)).toEqual(['ssd-stream/cam1/track.new', 'ssd-stream/cam1/zone.enter', 'ssd-stream/cam2/line.cross']);
    expect(sub.got.map((g) => g.event)).toEqual(events);
    await sink.close();
    expect(sink.stats!()).toMatchObject({ sent: 3, failed: 0, dropped: 0, queued: 0 });
    await sub.client.endAsync();
  });

  it('while the broker is down, publish keeps returning, the queue stays bounded, and the newest events arrive once it is up', async () => {
    const port = await freePort();
    const sink = createMqttSink({ url: `mqtt://127.0.0.1:${port}`, topic: 't/{type}', maxQueue: 3, reconnectMs: 1500 });
    for (let i = 0; i < 10; i++) sink.publish({ type: 'e', i });
    expect(sink.stats!()).toMatchObject({ queued: 3, dropped: 7, sent: 0 });
    await startBroker(port);
    // The sink retries only every 1.5 s, so the subscriber is in place before the flush.
    const sub = await subscriber(port, 't/#');
    await until(() => sub.got.length === 3);
    expect(sub.got.map((g) => g.event.i)).toEqual([7, 8, 9]);
    await sink.close();
    await sub.client.endAsync();
  });

  it('close() does not hang when the broker never comes', async () => {
    const port = await freePort();
    const sink = createMqttSink({ url: `mqtt://127.0.0.1:${port}`, closeTimeoutMs: 100 });
    sink.publish({ type: 'x' });
    await sink.close();
    expect(sink.stats!()).toMatchObject({ sent: 0, dropped: 1, queued: 0 });
  });
});
