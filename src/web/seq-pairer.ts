/**
 * Pairs a stream's JPEG frames with its detections by `seq`, so the boxes drawn are the boxes
 * of the picture shown. JPEGs usually arrive first (they leave the decoder before inference);
 * live sources skip frames while the detector is busy, so some frames never get a result and
 * are dropped here unshown. Pending items are bounded.
 */

/** What to display: a frame and/or the detections of one seq. */
export interface Pair<F, R> {
  seq: number;
  frame?: F;
  result?: R;
}

/** Most frames or results kept waiting for their partner. */
export const MAX_PENDING = 64;

/** Pairs frames (`F`) and results (`R`) of one stream. Not DOM-bound, so tests run it in Node. */
export class SeqPairer<F, R extends { seq: number }> {
  private readonly frames = new Map<number, F>();
  private readonly results = new Map<number, R>();
  private displayed = -1;

  /** @param framesWanted when false, results are shown at once over no picture. */
  constructor(private framesWanted: boolean) {}

  /** Seq of the last pair handed out (-1 before the first). */
  get displayedSeq(): number {
    return this.displayed;
  }

  /** Switches frames on or off; off flushes pending frames. */
  setFramesWanted(on: boolean): void {
    this.framesWanted = on;
    if (!on) this.frames.clear();
  }

  /** A JPEG arrived; returns the pair to show when its result is already here. */
  addFrame(seq: number, frame: F): Pair<F, R> | undefined {
    if (!this.framesWanted) return undefined;
    // Frames arrive in order and before their results, so one far behind what is shown means
    // the source restarted and counts from 0 again; one just behind is merely stale.
    if (seq < this.displayed - MAX_PENDING) this.displayed = -1;
    if (seq <= this.displayed) return undefined;
    const result = this.results.get(seq);
    if (result) return this.show(seq, frame, result);
    bounded(this.frames).set(seq, frame);
    return undefined;
  }

  /** Detections arrived; returns the pair to show when possible. */
  addResult(result: R): Pair<F, R> | undefined {
    // Results of one stream arrive in order, so a lower seq means the source restarted.
    if (result.seq <= this.displayed) this.displayed = -1;
    if (!this.framesWanted) return this.show(result.seq, undefined, result);
    const frame = this.frames.get(result.seq);
    if (frame !== undefined) return this.show(result.seq, frame, result);
    bounded(this.results).set(result.seq, result);
    return undefined;
  }

  /**
   * When nothing paired for a while (frames lost to a slow link, or a detector that stopped),
   * hands out the newest pending item alone so the tile does not freeze.
   */
  flushStale(): Pair<F, R> | undefined {
    const newestFrame = maxKey(this.frames);
    const newestResult = maxKey(this.results);
    if (newestFrame === undefined && newestResult === undefined) return undefined;
    if (newestResult === undefined || (newestFrame !== undefined && newestFrame > newestResult)) {
      return this.show(newestFrame!, this.frames.get(newestFrame!), undefined);
    }
    return this.show(newestResult, undefined, this.results.get(newestResult));
  }

  /** Marks `seq` shown and forgets everything at or before it. */
  private show(seq: number, frame: F | undefined, result: R | undefined): Pair<F, R> {
    this.displayed = seq;
    for (const k of this.frames.keys()) if (k <= seq) this.frames.delete(k);
    for (const k of this.results.keys()) if (k <= seq) this.results.delete(k);
    return { seq, ...(frame !== undefined ? { frame } : {}), ...(result !== undefined ? { result } : {}) };
  }
}

/** Evicts the oldest entry once a map is full (Map keeps insertion order). */
function bounded<V>(map: Map<number, V>): Map<number, V> {
  while (map.size >= MAX_PENDING) map.delete(map.keys().next().value as number);
  return map;
}

function maxKey(map: Map<number, unknown>): number | undefined {
  let best: number | undefined;
  for (const k of map.keys()) if (best === undefined || k > best) best = k;
  return best;
}
