/**
 * Where events (`track.new`, `zone.enter`, `line.cross` ...) go: MQTT, webhooks, the WebSocket
 * hub, Prometheus. The pipeline calls `publish` on its hot path, so every sink must return at
 * once and never throw; delivery happens in the background through a bounded queue, and what
 * does not fit is dropped and counted rather than slowing the frames down.
 */

/** A destination for events. The WebSocket hub implements this too. */
export interface EventSink {
  /** Short name for logs and stats (`mqtt:ssd-stream/events`, `webhook:http://…`). */
  readonly name: string;
  /** Queues `event` for delivery. Never blocks, never throws. */
  publish(event: object): void;
  /** Delivers what is queued (within a bounded time), then releases connections. */
  close(): Promise<void>;
  /** Delivery counters, when the sink keeps them. */
  stats?(): SinkStats;
}

/** Delivery counters of a sink. */
export interface SinkStats {
  /** Delivered (acknowledged by the transport). */
  sent: number;
  /** Given up after retries or rejected by the endpoint. */
  failed: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Waiting now. */
  queued: number;
}

/**
 * One sink that forwards to many. A sink that throws despite its contract is isolated: the
 * others still get the event.
 */
export function fanOut(sinks: EventSink[], name = 'fan-out'): EventSink {
  return {
    name,
    publish(event) {
      for (const s of sinks) {
        try {
          s.publish(event);
        } catch {
          // Contract breach by a sink; the pipeline must not pay for it.
        }
      }
    },
    async close() {
      await Promise.allSettled(sinks.map((s) => s.close()));
    },
  };
}

/**
 * A bounded FIFO that drops the oldest item when full: for live events, the newest state matters
 * more than a backlog from while a consumer was down.
 */
export class DropOldestQueue<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;
  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.length >= this.capacity) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  peek(): T | undefined {
    return this.length > 0 ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const v = this.items[this.head++];
    if (this.length === 0) {
      this.items = [];
      this.head = 0;
    }
    return v;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
