/**
 * `boundedQueue`: flow control for offline sources (files read as fast as possible), where every
 * frame counts.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/** Options of {@link boundedQueue}. */
export interface BoundedQueueOptions<T> {
  /** Emits once each time downstream has finished one item and can take another. */
  ready$: Observable<unknown>;
  /** Items downstream may hold at once before it signals `ready$` (default 1). */
  capacity?: number;
  /** Items held here; reaching it asks the producer to pause. */
  size: number;
  /**
   * Backpressure: called with `true` when the queue fills (pause the producer) and `false` when
   * it has drained to half (resume). Producers that cannot pause overflow into `onDrop`.
   */
  onPressure?: (paused: boolean) => void;
  /**
   * Items beyond `hardLimit` (default `2 × size`) are dropped (reason 'queue_full'), so even a
   * producer that ignores pause cannot grow memory without bound.
   */
  hardLimit?: number;
  onDrop?: (item: T) => void;
}

/**
 * Delivers every item in order, at the pace downstream signals through `ready$`; holds up to
 * `size` items and then asks the producer to pause instead of dropping. Completes once the
 * source has completed and the queue is empty.
 */
export function boundedQueue<T>(opts: BoundedQueueOptions<T>): MonoTypeOperatorFunction<T> {
  const capacity = opts.capacity ?? 1;
  const hardLimit = opts.hardLimit ?? opts.size * 2;
  return (source) =>
    new Observable<T>((subscriber) => {
      let credits = capacity;
      const queue: T[] = [];
      let paused = false;
      let sourceDone = false;

      const setPaused = (p: boolean) => {
        if (p === paused) return;
        paused = p;
        opts.onPressure?.(p);
      };
      const finishIfDone = () => {
        if (sourceDone && queue.length === 0) subscriber.complete();
      };

      const readySub = opts.ready$.subscribe(() => {
        const item = queue.shift();
        if (item === undefined) {
          credits = Math.min(capacity, credits + 1);
          return;
        }
        // Resume at half so the producer is not toggled on every frame.
        if (paused && queue.length <= opts.size / 2) setPaused(false);
        subscriber.next(item);
        finishIfDone();
      });

      const sourceSub = source.subscribe({
        next: (item) => {
          if (credits > 0 && queue.length === 0) {
            credits -= 1;
            subscriber.next(item);
            return;
          }
          if (queue.length >= hardLimit) {
            opts.onDrop?.(item);
            return;
          }
          queue.push(item);
          if (queue.length >= opts.size) setPaused(true);
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          finishIfDone();
        },
      });

      return () => {
        sourceSub.unsubscribe();
        readySub.unsubscribe();
        queue.length = 0;
        // Never leave a producer paused behind a torn-down queue.
        if (paused) setPaused(false);
      };
    });
}
