/**
 * MQTT sink (the `mqtt` package): each event is one JSON message on a topic that may contain
 * `{type}` and `{stream}` (`ssd-stream/{stream}/{type}`), so subscribers can filter with MQTT
 * wildcards.
 *
 * While the broker is unreachable, events wait in our own bounded drop-oldest queue and are
 * flushed on (re)connect. mqtt.js has an offline queue of its own, but it is unbounded; a broker
 * down for an hour must not grow the server's memory, so the client's is never used
 * (`queueQoSZero: false`, and we only hand messages over while connected).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { logger } from '../util/logger.js';
import { DropOldestQueue, type EventSink, type SinkStats } from './event-sink.js';
import { mqttSinkSchema, type MqttSinkConfig } from './sinks-config.js';

const log = logger.child({ module: 'mqtt-sink' });

/** `topic` with `{type}` / `{stream}` filled from the event (`_` when missing). */
export function mqttTopic(template: string, event: object): string {
  const e = event as { type?: unknown; stream?: unknown };
  // MQTT wildcards and separators inside a value would change the topic's meaning.
  const clean = (v: unknown): string => (v === undefined || v === null ? '_' : String(v).replace(/[+#/]/g, '_'));
  return template.replace(/\{type\}/g, clean(e.type)).replace(/\{stream\}/g, clean(e.stream));
}

/** Creates an MQTT sink; it connects in the background and reconnects every `reconnectMs`. */
export function createMqttSink(config: Omit<Partial<MqttSinkConfig>, 'type'> & { url: string }): EventSink {
  const cfg = mqttSinkSchema.parse({ type: 'mqtt', ...config });
  const queue = new DropOldestQueue<{ topic: string; payload: string }>(cfg.maxQueue);
  let sent = 0;
  let failed = 0;
  let pending = 0; // handed to the client, not yet acknowledged / written
  let closed = false;

  const client: MqttClient = mqtt.connect(cfg.url, {
    clientId: cfg.clientId,
    username: cfg.username,
    password: cfg.password,
    reconnectPeriod: cfg.reconnectMs,
    connectTimeout: Math.max(1000, cfg.reconnectMs),
    queueQoSZero: false,
  });
  client.on('connect', () => {
    log.debug({ url: cfg.url }, 'mqtt connected');
    flush();
  });
  client.on('error', (e) => log.debug({ url: cfg.url, err: e.message }, 'mqtt error'));
  client.on('offline', () => log.debug({ url: cfg.url }, 'mqtt offline; queueing events'));

  function send(m: { topic: string; payload: string }): void {
    pending++;
    client.publish(m.topic, m.payload, { qos: cfg.qos, retain: cfg.retain }, (err) => {
      pending--;
      if (err) {
        failed++;
        log.debug({ err: err.message }, 'mqtt publish failed');
      } else {
        sent++;
      }
    });
  }

  function flush(): void {
    while (client.connected && queue.length > 0) send(queue.shift()!);
  }

  return {
    name: `mqtt:${cfg.url}`,
    publish(event: object): void {
      if (closed) return;
      try {
        const m = { topic: mqttTopic(cfg.topic, event), payload: JSON.stringify(event) };
        if (client.connected && queue.length === 0) send(m);
        else queue.push(m);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'event not publishable; dropped');
      }
    },
    async close(): Promise<void> {
      closed = true;
      flush();
      // Give in-flight messages a bounded time to be written/acknowledged, then force.
      const deadline = Date.now() + cfg.closeTimeoutMs;
      while (pending > 0 && client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      queue.dropped += queue.length;
      queue.clear();
      await client.endAsync(pending > 0 || !client.connected);
    },
    stats(): SinkStats {
      return { sent, failed, dropped: queue.dropped, queued: queue.length + pending };
    },
  };
}
