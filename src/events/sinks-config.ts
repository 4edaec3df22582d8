/**
 * The `events:` list of a pipeline: one closed schema per sink type, defaults with units.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Defaults shared by the sinks. */
export const sinkDefaults = Object.freeze({
  /** Events kept while the destination is down or slow; the oldest are dropped beyond. */
  maxQueue: 1000, // events
  /** How long `close()` waits for queued events before giving up. */
  closeTimeoutMs: 2000, // ms
  /** MQTT: wait between reconnect attempts. */
  reconnectMs: 2000, // ms
  /** MQTT: quality of service. 0 = at most once (no broker ack), 1 = at least once. */
  qos: 0 as 0 | 1 | 2,
  /** Webhook: per-request timeout. */
  timeoutMs: 5000, // ms
  /** Webhook: retries after the first attempt (on network errors, 408, 429, 5xx). */
  maxRetries: 3,
  /** Webhook: first retry delay, doubled per retry up to `maxBackoffMs`. */
  backoffMs: 500, // ms
  maxBackoffMs: 30_000, // ms
});

/** MQTT sink: `topic` may contain `{type}` and `{stream}` placeholders. */
export const mqttSinkSchema = z.strictObject({
  type: z.literal('mqtt'),
  url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  topic: z.string().min(1).default('ssd-stream/events'),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(sinkDefaults.qos),
  retain: z.boolean().default(false),
  clientId: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  maxQueue: z.number().int().positive().default(sinkDefaults.maxQueue),
  reconnectMs: z.number().int().positive().default(sinkDefaults.reconnectMs),
  closeTimeoutMs: z.number().int().min(0).default(sinkDefaults.closeTimeoutMs),
});

/** Webhook sink: POSTs each event as JSON. */
export const webhookSinkSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL'),
  headers: z.record(z.string(), z.string()).default({}),
  timeoutMs: z.number().int().positive().default(sinkDefaults.timeoutMs),
  maxRetries: z.number().int().min(0).default(sinkDefaults.maxRetries),
  backoffMs: z.number().int().min(0).default(sinkDefaults.backoffMs),
  maxBackoffMs: z.number().int().min(0).default(sinkDefaults.maxBackoffMs),
  maxQueue: z.number().int().positive().default(sinkDefaults.maxQueue),
  closeTimeoutMs: z.number().int().min(0).default(sinkDefaults.closeTimeoutMs),
  /** Only these event types are sent (all when absent), e.g. `[zone.enter, line.cross]`. */
  types: z.array(z.string()).optional(),
});

/** One entry of `events:`. */
export const eventSinkConfigSchema = z.discriminatedUnion('type', [mqttSinkSchema, webhookSinkSchema]);

/** The `events:` list. */
export const eventSinksConfigSchema = z.array(eventSinkConfigSchema).default([]);

/** Validated MQTT sink entry. */
export type MqttSinkConfig = z.output<typeof mqttSinkSchema>;
/** Validated webhook sink entry. */
export type WebhookSinkConfig = z.output<typeof webhookSinkSchema>;
/** Any validated sink entry. */
export type EventSinkConfig = z.output<typeof eventSinkConfigSchema>;
/** Input form of the `events:` list. */
export type EventSinksConfigInput = z.input<typeof eventSinksConfigSchema>;

/**
 * Validates the `events:` list.
 * @param path prefix for errors (`pipelines[0].events`).
 * @throws ConfigError naming the key (`events.1.url`).
 */
export function parseEventSinksConfig(input: unknown = [], path = 'events'): EventSinkConfig[] {
  const r = eventSinksConfigSchema.safeParse(input ?? []);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConfigError([path, ...issue.path.map(String)].filter(Boolean).join('.'), issue.message);
  }
  return r.data.map((c) => Object.freeze(c));
}
