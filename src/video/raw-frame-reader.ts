/**
 * Reassembles fixed-size rgb24 frames from the chunks a pipe delivers. Pipe chunks (64 KiB on
 * Linux) never line up with frame boundaries, so each byte is copied exactly once, by
 * `Buffer.copy` (memcpy), from the chunk into a frame-sized buffer that the frame then owns.
 */

/** Pushes pipe chunks in, gets whole frames out through `onFrame`. */
export class RawFrameReader {
  private frame: Uint8Array | undefined;
  private filled = 0;
  private startedAt = 0;

  /**
   * @param frameBytes bytes of one frame (`width * height * 3` for rgb24)
   * @param onFrame called once per complete frame; the array is owned by the receiver;
   *   `startedAt` is when the frame's first byte arrived (ms, `performance.now()`)
   */
  constructor(
    private readonly frameBytes: number,
    private readonly onFrame: (frame: Uint8Array, startedAt: number) => void,
  ) {}

  /** Bytes of an incomplete frame still waiting for the rest (a truncated tail at exit). */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Consumes one chunk; calls `onFrame` for every frame it completes. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (!this.frame) {
        // A fresh ArrayBuffer per frame (not Buffer's shared pool, which small sizes would use)
        // so the consumer can transfer it to a worker without detaching anything else.
        this.frame = new Uint8Array(new ArrayBuffer(this.frameBytes));
        this.filled = 0;
        this.startedAt = performance.now();
      }
      const n = Math.min(this.frameBytes - this.filled, chunk.length - at);
      chunk.copy(this.frame, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === this.frameBytes) {
        const done = this.frame;
        this.frame = undefined;
        this.filled = 0;
        this.onFrame(done, this.startedAt);
      }
    }
  }
}
