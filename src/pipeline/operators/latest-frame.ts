/**
 * `latestFrame`: flow control for live sources (DESIGN decision 4, "latest frame wins").
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/** Options of {@link latestFrame}. */
export interface LatestFrameOptions<T> {
  /** Emits once each time downstream has finished one item and can take another. */
  ready$: Observable<unknown>;
  /** Items downstream may hold at once before it signals `ready$` (default 1). */
  capacity?: number;
  /** Called for each item replaced by a newer one while downstream was busy (reason 'busy'). */
  onSkip?: (item: T) => void;
}

/**
 * Passes items on only while downstream has capacity; while it is busy, keeps only the newest
 * item and skips the older one (reported through `onSkip`). When downstream signals `ready$`,
 * the kept item goes out at once, so what is processed next is never older than needed.
 *
 * Holds at most one item, so memory is bounded whatever the source rate. Completes when the
 * source completes and the kept item (if any) has been delivered; errors pass through.
 */
export function latestFrame<T>(opts: LatestFrameOptions<T>): MonoTypeOperatorFunction<T> {
  const capacity = opts.capacity ?? 1;
  return (source) =>
    new Observable<T>((subscriber) => {
      // State lives per subscription so one operator instance can serve several subscribers.
      let credits = capacity;
      let pending: { item: T } | null = null;
      let sourceDone = false;

      const finishIfDone = () => {
        if (sourceDone && pending === null) subscriber.complete();
      };

      const readySub = opts.ready$.subscribe(() => {
        if (pending) {
          const { item } = pending;
          pending = null;
          subscriber.next(item);
          finishIfDone();
        } else {
          credits = Math.min(capacity, credits + 1);
        }
      });

      const sourceSub = source.subscribe({
        next: (item) => {
          if (credits > 0) {
            credits -= 1;
            subscriber.next(item);
            return;
          }
          if (pending) opts.onSkip?.(pending.item);
          pending = { item };
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          finishIfDone();
        },
      });

      // Teardown order: stop the source first so no item arrives after ready$ is gone.
      return () => {
        sourceSub.unsubscribe();
        readySub.unsubscribe();
        pending = null;
      };
    });
}
