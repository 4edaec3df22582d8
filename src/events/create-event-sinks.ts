/**
 * Builds the sinks of a pipeline's `events:` list.
 */
import { createMqttSink } from './mqtt-sink.js';
import { createWebhookSink } from './webhook-sink.js';
import { parseEventSinksConfig, type EventSinkConfig, type EventSinksConfigInput } from './sinks-config.js';
import type { EventSink } from './event-sink.js';

export type { EventSink, SinkStats } from './event-sink.js';
export { fanOut } from './event-sink.js';
export { eventSinksConfigSchema, parseEventSinksConfig } from './sinks-config.js';

/**
 * One sink per entry of `events:` (validated first: a ConfigError names the bad key). Network
 * connections start in the background; nothing here waits for a broker or an endpoint.
 * @param path config path for errors (`pipelines[0].events`).
 */
export function createEventSinks(cfg: EventSinksConfigInput | EventSinkConfig[] = [], path = 'events'): EventSink[] {
  return parseEventSinksConfig(cfg, path).map((c) => (c.type === 'mqtt' ? createMqttSink(c) : createWebhookSink(c)));
}
