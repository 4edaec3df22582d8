/**
 * The front half of a stream: its source's state into the stream's counters and metrics, its
 * frames through latest-frame (live) or a bounded queue (offline) into the pipeline's batcher.
 */
import { tap } from 'rxjs';
import { errorMessage } from '../errors.js';
import type { SourceFrame } from './runtime-ports.js';
import { latestFrame } from './operators/latest-frame.js';
import { boundedQueue } from './operators/bounded-queue.js';
import { dropFrame, sec, type RuntimeOutputs, type StreamCtx } from './runtime-context.js';

/** Subscribes the stream's source; everything is added to `s.subs`, so unsubscribing ends it. */
export function wireStream(out: RuntimeOutputs, s: StreamCtx): void {
  const m = out.metrics;
  s.subs.add(
    s.handle.state$.subscribe((c) => {
      if (c.state === 'connecting' && s.state === 'backoff') {
        s.stats.reconnects += 1;
        m?.reconnects.inc({ stream: s.id });
      }
      s.state = c.state;
      if (c.error) s.lastError = c.error;
      m?.setStreamState(s.id, c.state);
      if (c.state === 'backoff') out.log?.warn({ stream: s.id, error: c.error }, 'source in backoff');
    }),
  );
  // Offline frames get two credits so the next batch is ready when the detector frees up;
  // live frames one, so what is detected next is as fresh as possible.
  const capacity = s.src.live ? 1 : 2;
  const flow = s.src.live
    ? latestFrame<SourceFrame>({ ready$: s.ready$, capacity, onSkip: () => dropFrame(out, s, 'busy') })
    : boundedQueue<SourceFrame>({
        ready$: s.ready$,
        capacity,
        size: s.pipeline.cfg.queueSize,
        onPressure: (paused) => (paused ? s.handle.pause?.() : s.handle.resume?.()),
        onDrop: () => dropFrame(out, s, 'queue_full'),
      });
  s.subs.add(
    s.handle.frames$
      .pipe(
        tap((f) => {
          f.seq += s.seqOffset;
          s.lastSeq = f.seq;
          s.stats.framesIn += 1;
          s.width = f.sourceWidth;
          s.height = f.sourceHeight;
          m?.framesIn.inc({ stream: s.id });
          if (f.decodeMs !== undefined) m?.stage.decode.observe({ stream: s.id, model: s.pipeline.model.info.name }, sec(f.decodeMs));
        }),
        flow,
      )
      .subscribe({
        next: (frame) => s.pipeline.ingress.next({ stream: s, frame }),
        error: (e) => {
          s.lastError = errorMessage(e);
          s.state = 'stopped';
          m?.setStreamState(s.id, 'stopped');
          out.log?.error({ stream: s.id, error: s.lastError }, 'source failed');
        },
        complete: () => {
          s.state = 'stopped';
          m?.setStreamState(s.id, 'stopped');
        },
      }),
  );
}
