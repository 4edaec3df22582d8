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
  /**
   * Items of streams already in the open batch wait for a later batch; beyond this many the open
   * batch is emitted early so memory stays bounded (default `4 × maxBatch`).
   */
  maxPending?: number;
  scheduler?: SchedulerLike;
}

/**
 * Emits batches of up to `maxBatch` items with at most one item per stream. A batch goes out
 * when it is full, when every active stream is in it, or `maxWaitMs` after its first item. An
 * item of a stream that is already in the open batch waits (in arrival order) and seeds the
 * next batch, so a stream that delivers in bursts (offline files) does not split batches and the
 * order within each stream is kept. Holds at most `maxBatch + maxPending` items. On completion
 * everything held is flushed.
 */
export function crossStreamBatcher<T>(opts: CrossStreamBatcherOptions<T>): OperatorFunction<T, T[]> {
  const scheduler = opts.scheduler ?? asyncScheduler;
  const maxPending = opts.maxPending ?? opts.maxBatch * 4;
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let keys = new Set<string>();
      let pending: T[] = [];
      let timer: Subscription | null = null;

      const isComplete = () => batch.length >= opts.maxBatch || batch.length >= (opts.activeKeys?.() ?? Infinity);
      const add = (item: T) => {
        batch.push(item);
        keys.add(opts.key(item));
        if (batch.length === 1) timer = scheduler.schedule(() => flush(), opts.maxWaitMs);
      };
      /** Emits the open batch, then opens the next one from the waiting items. */
      const emitOne = () => {
        timer?.unsubscribe();
        timer = null;
        const out = batch;
        batch = [];
        keys = new Set();
        const rest: T[] = [];
        for (const item of pending) {
          if (batch.length < opts.maxBatch && !keys.has(opts.key(item))) add(item);
          else rest.push(item);
        }
        pending = rest;
        // Emit last: downstream may push the next item synchronously (re-entering `next`), and
        // by now the state already describes the new open batch.
        subscriber.next(out);
      };
      const flush = () => {
        if (batch.length === 0) return;
        emitOne();
        // A batch seeded from waiting items may already be complete.
        while (batch.length > 0 && isComplete()) emitOne();
      };

      const sub = source.subscribe({
        next: (item) => {
          if (keys.has(opts.key(item))) {
            pending.push(item);
            if (pending.length > maxPending) flush();
            return;
          }
          add(item);
          if (isComplete()) flush();
        },
        error: (e) => {
          while (batch.length > 0) emitOne();
          subscriber.error(e);
        },
        complete: () => {
          while (batch.length > 0) emitOne();
          subscriber.complete();
        },
      });

      return () => {
        sub.unsubscribe();
        timer?.unsubscribe();
        batch = [];
        pending = [];
      };
    });
}
