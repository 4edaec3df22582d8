import { describe, it, expect } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { latestFrame } from '../../src/pipeline/operators/latest-frame.js';
import { boundedQueue } from '../../src/pipeline/operators/bounded-queue.js';
import { crossStreamBatcher } from '../../src/pipeline/operators/cross-stream-batcher.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('latestFrame', () => {
  it('passes frames while downstream is free and keeps only the newest while busy', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('  -a-b-c-d----e-|');
      const ready = hot('-------r---r----');
      const subs = '     ^-------------!';
      const skipped: string[] = [];
      const out = src.pipe(latestFrame({ ready$: ready, onSkip: (f) => skipped.push(f) }));
      // a goes out at once; b and c are replaced by d while busy; d goes out at the first ready;
      // the second ready returns the credit so e goes out on arrival.
      expectObservable(out).toBe('-a-----d----e-|');
      expectSubscriptions(src.subscriptions).toBe(subs);
      return () => expect(skipped).toEqual(['b', 'c']);
    });
  });

  it('waits for ready before completing with a kept frame', () => {
    const s = newScheduler();
    const skipped: string[] = [];
    s.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold('a-b|');
      const ready = hot('-----r');
      expectObservable(src.pipe(latestFrame({ ready$: ready, onSkip: (f) => skipped.push(f) }))).toBe('a----(b|)');
      expectSubscriptions(src.subscriptions).toBe('^--!');
      expectSubscriptions(ready.subscriptions).toBe('^----!');
    });
    expect(skipped).toEqual([]);
  });

  it('unsubscribes source and ready$ on teardown', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('a-b-c-d');
      const ready = hot('-------');
      expectObservable(src.pipe(latestFrame({ ready$: ready })), '^---!').toBe('a----');
      expectSubscriptions(src.subscriptions).toBe('^---!');
      expectSubscriptions(ready.subscriptions).toBe('^---!');
    });
  });
});

describe('boundedQueue', () => {
  it('delivers every frame in order and pauses the producer when full', () => {
    const pressure: boolean[] = [];
    const dropped: string[] = [];
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('  abcde---------|');
      const ready = hot('------r-r-r-r----');
      const out = src.pipe(
        boundedQueue({ ready$: ready, size: 3, hardLimit: 4, onPressure: (p) => pressure.push(p), onDrop: (f) => dropped.push(f) }),
      );
      expectObservable(out).toBe('a-----b-c-d-e-|');
      expectSubscriptions(src.subscriptions).toBe('^-------------!');
    });
    // b,c,d fill the queue (size 3) → pause; e still fits under the hard limit; resume at half.
    expect(pressure).toEqual([true, false]);
    expect(dropped).toEqual([]);
  });

  it('drops beyond the hard limit when the producer ignores pause', () => {
    const dropped: string[] = [];
    newScheduler().run(({ hot, expectObservable }) => {
      const src = hot('  abcd----|');
      const ready = hot('-----r-r-r-');
      expectObservable(src.pipe(boundedQueue({ ready$: ready, size: 1, hardLimit: 2, onDrop: (f) => dropped.push(f) }))).toBe(
        'a----b-c|',
      );
    });
    expect(dropped).toEqual(['d']);
  });
});

describe('crossStreamBatcher', () => {
  // a, b, c are streams A, B, C frame 1; d is stream A frame 2; e is stream B frame 2.
  const v = { a: 'A1', b: 'B1', c: 'C1', d: 'A2', e: 'B2' };
  const key = (s: string) => s[0]!;

  it('fills batches up to maxBatch with one frame per stream', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('-(abc)--|', v);
      const out = src.pipe(crossStreamBatcher({ maxBatch: 2, maxWaitMs: 5, key }));
      // A group spans 5 frames in marbles, so C1's 5 ms wait ends at frame 6.
      expectObservable(out).toBe('-x----y-|', { x: ['A1', 'B1'], y: ['C1'] });
      expectSubscriptions(src.subscriptions).toBe('^-------!');
    });
  });

  it('emits after maxWaitMs when the batch does not fill', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const src = hot('-a-b----------|', v);
      expectObservable(src.pipe(crossStreamBatcher({ maxBatch: 4, maxWaitMs: 5, key }))).toBe('------x-------|', {
        x: ['A1', 'B1'],
      });
    });
  });

  it('holds a repeated stream for the next batch, keeping per-stream order', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      // A1, A2, B2: A2 waits while A1 and B2 share a batch; A2 opens the next one.
      const src = hot('-a-d-e---------|', v);
      expectObservable(src.pipe(crossStreamBatcher({ maxBatch: 4, maxWaitMs: 6, key }))).toBe('-------x-----y-|', {
        x: ['A1', 'B2'],
        y: ['A2'],
      });
    });
  });

  it('fills batches across streams that deliver in bursts', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      // Stream A delivers A1 and A2 back to back, then B delivers B1 and B2.
      const src = hot('-(adbe)--|', { ...v, e: 'B2' });
      expectObservable(src.pipe(crossStreamBatcher({ maxBatch: 2, maxWaitMs: 50, key }))).toBe('-(xy)----|', {
        x: ['A1', 'B1'],
        y: ['A2', 'B2'],
      });
    });
  });

  it('emits early when too many items wait, so memory stays bounded', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const src = hot('-(ad)-|', { a: 'A1', d: 'A2' });
      expectObservable(src.pipe(crossStreamBatcher({ maxBatch: 4, maxWaitMs: 50, key, maxPending: 0 }))).toBe('-x----(y|)', {
        x: ['A1'],
        y: ['A2'],
      });
    });
  });

  it('emits at once when every active stream is in the batch', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const src = hot('-a-b---|', v);
      expectObservable(src.pipe(crossStreamBatcher({ maxBatch: 8, maxWaitMs: 100, key, activeKeys: () => 2 }))).toBe(
        '---x---|',
        { x: ['A1', 'B1'] },
      );
    });
  });

  it('cancels its timer on unsubscribe', () => {
    newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot('-a------', v);
      expectObservable(src.pipe(crossStreamBatcher({ maxBatch: 4, maxWaitMs: 5, key })), '^--!').toBe('----');
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });
});
