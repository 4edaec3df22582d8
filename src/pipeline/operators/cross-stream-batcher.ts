/**
 * `crossStreamBatcher`: groups frames of different streams into one inference call.
 */
import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/** Options of {@link crossStreamBatcher}. */
export interface CrossStreamBatcherOptions<T> {
  /** Largest batch emitted. */
  maxBatch: number;
  /** Longest the first item of a batch waits for others, ms. */
  maxWaitMs: number;
  /** Stream of an item; a batch holds at most one item per stream. */
  key: (item: T) => string;
  /**
   * How many streams can contribute right now. A batch that already has one item of each is
   * emitted at once instead of waiting for `maxWaitMs` for items that cannot come.
   */
  activeKeys?: () => number;
  scheduler?: SchedulerLike;
}

/**
 * Emits batches of up to `maxBatch` items with at most one item per stream: a batch goes out
 * when it is full, when every active stream is in it, when an item of a stream already in it
 * arrives (that item starts the next batch, so order per stream is kept), or `maxWaitMs` after
 * its first item. Holds at most `maxBatch` items. On completion the partial batch is flushed.
 */
export function crossStreamBatcher<T>(opts: CrossStreamBatcherOptions<T>): OperatorFunction<T, T[]> {
  const scheduler = opts.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let keys = new Set<string>();
      let timer: Subscription | null = null;

      const flush = () => {
        timer?.unsubscribe();
        timer = null;
        if (batch.length === 0) return;
        const out = batch;
        batch = [];
        keys = new Set();
        subscriber.next(out);
      };

      const sub = source.subscribe({
        next: (item) => {
          const k = opts.key(item);
          if (keys.has(k)) flush();
          batch.push(item);
          keys.add(k);
          const active = opts.activeKeys?.() ?? Infinity;
          if (batch.length >= opts.maxBatch || batch.length >= active) {
            flush();
          } else if (batch.length === 1) {
            timer = scheduler.schedule(flush, opts.maxWaitMs);
          }
        },
        error: (e) => {
          flush();
          subscriber.error(e);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });

      return () => {
        sub.unsubscribe();
        timer?.unsubscribe();
        batch = [];
      };
    });
}
