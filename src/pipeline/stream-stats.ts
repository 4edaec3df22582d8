/**
 * Rolling per-stream statistics for `/api/streams`: processed frames per second and median
 * end-to-end latency over a short window. Bounded ring, O(window) per read.
 */

/** Window the figures are computed over. */
const WINDOW_MS = 5000; // ms
/** Samples kept at most (a 60 fps stream fills 300 in 5 s). */
const MAX_SAMPLES = 512;

/** Counters and rolling figures of one stream. */
export class StreamStats {
  framesIn = 0;
  processed = 0;
  reconnects = 0;
  readonly dropped: Record<string, number> = {};
  private readonly at: number[] = [];
  private readonly latency: number[] = [];

  /** Counts a dropped frame with its reason. */
  drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  /** Records one processed frame finished at `now` with end-to-end latency `e2eMs`. */
  done(now: number, e2eMs: number): void {
    this.processed += 1;
    this.at.push(now);
    this.latency.push(e2eMs);
    if (this.at.length > MAX_SAMPLES) {
      this.at.shift();
      this.latency.shift();
    }
  }

  /** Processed frames per second over the window ending at `now`. */
  fps(now: number): number {
    const from = now - WINDOW_MS;
    let n = 0;
    let first = now;
    for (let i = this.at.length - 1; i >= 0 && this.at[i]! >= from; i--) {
      n++;
      first = this.at[i]!;
    }
    if (n < 2) return 0;
    // Divide by the span actually covered so a stream that just started is not under-reported.
    return ((n - 1) * 1000) / Math.max(1, now - first);
  }

  /** Median end-to-end latency over the window, ms; undefined without samples. */
  medianLatency(now: number): number | undefined {
    const from = now - WINDOW_MS;
    const xs: number[] = [];
    for (let i = this.at.length - 1; i >= 0 && this.at[i]! >= from; i--) xs.push(this.latency[i]!);
    if (xs.length === 0) return undefined;
    xs.sort((a, b) => a - b);
    return xs[xs.length >> 1];
  }
}
