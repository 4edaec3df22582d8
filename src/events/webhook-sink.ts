/**
 * Webhook sink: POSTs each event as JSON, one request at a time, in order.
 *
 * A dead or slow endpoint must never slow the pipeline: `publish` only pushes onto a bounded
 * drop-oldest queue and wakes the sender loop; the loop does the network work, with a timeout
 * per request and exponential backoff between retries. Network errors, 408, 429 and 5xx are
 * retried; other 4xx mean the endpoint rejects this event, so retrying is pointless.
 */
import { logger } from '../util/logger.js';
import { DropOldestQueue, type EventSink, type SinkStats } from './event-sink.js';
import { sinkDefaults, webhookSinkSchema, type WebhookSinkConfig } from './sinks-config.js';

const log = logger.child({ module: 'webhook-sink' });

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Resolves after `ms`, or early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Creates a webhook sink (`config` as in the `events:` list, `type: webhook`). */
export function createWebhookSink(config: Omit<Partial<WebhookSinkConfig>, 'type'> & { url: string }): EventSink {
  const cfg = webhookSinkSchema.parse({ type: 'webhook', ...config });
  const queue = new DropOldestQueue<string>(cfg.maxQueue);
  const stopping = new AbortController();
  let sent = 0;
  let failed = 0;
  let closed = false;
  let inFlight = 0;
  let loop: Promise<void> | undefined;

  /** One event, with retries; true when delivered. */
  async function deliver(body: string): Promise<boolean> {
    let delay = cfg.backoffMs;
    for (let attempt = 0; attempt <= cfg.maxRetries; attempt++) {
      if (attempt > 0) {
        await sleep(delay, stopping.signal);
        delay = Math.min(delay * 2, cfg.maxBackoffMs);
      }
      if (stopping.signal.aborted) return false;
      try {
        const res = await fetch(cfg.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...cfg.headers },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(cfg.timeoutMs), stopping.signal]),
        });
        // Drain the body so the connection can be reused.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        if (!retryable(res.status)) {
          log.warn({ url: cfg.url, status: res.status }, 'webhook rejected an event; not retrying');
          return false;
        }
        log.debug({ url: cfg.url, status: res.status, attempt }, 'webhook failed; will retry');
      } catch (e) {
        log.debug({ url: cfg.url, err: (e as Error).message, attempt }, 'webhook unreachable; will retry');
      }
    }
    log.warn({ url: cfg.url, retries: cfg.maxRetries }, 'webhook gave up on an event');
    return false;
  }

  async function run(): Promise<void> {
    for (let body = queue.shift(); body !== undefined; body = queue.shift()) {
      inFlight = 1;
      const ok = await deliver(body);
      inFlight = 0;
      if (ok) sent++;
      else failed++;
      if (stopping.signal.aborted) break;
    }
    loop = undefined;
  }

  return {
    name: `webhook:${cfg.url}`,
    publish(event: object): void {
      if (closed) return;
      try {
        const type = (event as { type?: unknown }).type;
        if (cfg.types && !cfg.types.includes(String(type))) return;
        queue.push(JSON.stringify(event));
        loop ??= run();
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'event not serialisable; dropped');
      }
    },
    async close(): Promise<void> {
      closed = true;
      if (loop) {
        const timeout = new Promise<void>((r) => setTimeout(r, cfg.closeTimeoutMs ?? sinkDefaults.closeTimeoutMs).unref());
        await Promise.race([loop, timeout]);
      }
      stopping.abort();
      await loop;
      queue.dropped += queue.length; // never delivered: count them
      queue.clear();
    },
    stats(): SinkStats {
      return { sent, failed, dropped: queue.dropped, queued: queue.length + inFlight };
    },
  };
}
