/**
 * One stream's tile: the live picture on a frame canvas, detections on an overlay canvas above
 * it, a state badge, and client-side fps and end-to-end latency (now − capturedAt; assumes the
 * browser's clock is close to the server's, as on one machine or with NTP).
 */
import type { DetectionsMessage } from '../server/ws-protocol.js';
import type { StreamInfo, StreamState } from '../pipeline/runtime-api.js';
import { describeEvent, type WireEvent } from './event-text.js';
import { drawDetections, type DrawOptions } from './overlay.js';
import { SeqPairer, type Pair } from './seq-pairer.js';
import { TrackTrails } from './track-trails.js';

/** After this long without a pair, the newest pending frame or result is shown alone, ms. */
const STALE_MS = 1000;
/** How long an event stays on the tile's event line, ms. */
const EVENT_SHOWN_MS = 5000;
/**
 * The fps and latency figures cover the last {@link STATS_SAMPLES} shown frames within
 * {@link STATS_WINDOW_MS}: a sample count keeps fast streams responsive, the long window keeps
 * a slow stream (a busy CPU detector can be under 1 fps) from reading "no fps".
 */
const STATS_SAMPLES = 30;
const STATS_WINDOW_MS = 10_000;

/** A tile in the grid. */
export class StreamTile {
  readonly el: HTMLElement;
  private readonly frameCanvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly badge: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly errorLine: HTMLElement;
  private readonly eventLine: HTMLElement;
  private eventTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly view: HTMLElement;
  private readonly placeholder: HTMLElement;
  private readonly pairer: SeqPairer<Uint8Array, DetectionsMessage>;
  private readonly trails = new TrackTrails();
  private current: DetectionsMessage | undefined;
  private shownAt: number[] = [];
  private latencies: number[] = [];
  private lastShow = performance.now();
  private decoding = Promise.resolve();
  private rafPending = false;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    readonly id: string,
    private framesWanted: boolean,
    private readonly drawOptions: () => Omit<DrawOptions, 'dpr'>,
  ) {
    this.pairer = new SeqPairer(framesWanted);
    this.el = document.createElement('section');
    this.el.className = 'tile';
    this.el.dataset.stream = id;
    this.el.innerHTML =
      '<header><span class="name"></span><span class="badge" data-state="connecting">connecting</span>' +
      '<span class="stats">– fps</span></header>' +
      '<div class="view"><canvas class="frame"></canvas><canvas class="overlay"></canvas>' +
      '<div class="placeholder">waiting for frames…</div></div>' +
      '<div class="footer"><span class="error"></span><span class="event"></span></div>';
    this.el.querySelector('.name')!.textContent = id;
    this.badge = this.el.querySelector('.badge')!;
    this.stats = this.el.querySelector('.stats')!;
    this.errorLine = this.el.querySelector('.error')!;
    this.eventLine = this.el.querySelector('.event')!;
    this.view = this.el.querySelector('.view')!;
    this.placeholder = this.el.querySelector('.placeholder')!;
    this.frameCanvas = this.el.querySelector('canvas.frame')!;
    this.overlay = this.el.querySelector('canvas.overlay')!;
    this.resizeObserver = new ResizeObserver(() => this.redraw());
    this.resizeObserver.observe(this.view);
  }

  /** Updates badge, error line and tooltip from the server's stream info. */
  setInfo(info: StreamInfo): void {
    this.setState(info.state, info.lastError);
    this.el.title = `${info.url}\npipeline ${info.pipeline} · in ${info.framesIn} · processed ${info.processed} · reconnects ${info.reconnects}`;
    if (info.width && info.height) this.setAspect(info.width, info.height);
  }

  /** Shows a state change (live, backoff ...) and why, if the server said. */
  setState(state: StreamState, lastError?: string): void {
    this.badge.dataset.state = state;
    this.badge.textContent = state;
    this.errorLine.textContent = state === 'live' ? '' : (lastError ?? '');
  }

  /** Shows the latest pipeline event of this stream for a few seconds. */
  showEvent(ev: WireEvent): void {
    this.eventLine.textContent = describeEvent(ev);
    clearTimeout(this.eventTimer);
    this.eventTimer = setTimeout(() => (this.eventLine.textContent = ''), EVENT_SHOWN_MS);
  }

  /** Switches pictures on or off; off shows boxes over a dark tile. */
  setFramesWanted(on: boolean): void {
    this.framesWanted = on;
    this.pairer.setFramesWanted(on);
    if (!on) this.frameCanvas.getContext('2d')?.clearRect(0, 0, this.frameCanvas.width, this.frameCanvas.height);
  }

  /** A binary frame for this stream arrived. */
  onFrame(seq: number, jpeg: Uint8Array): void {
    this.display(this.pairer.addFrame(seq, jpeg));
  }

  /** A detections message for this stream arrived. */
  onDetections(msg: DetectionsMessage): void {
    if (msg.seq <= this.pairer.displayedSeq) this.trails.clear(); // the source restarted
    this.display(this.pairer.addResult(msg));
  }

  /** Called twice a second: unfreezes a tile whose pairs stopped, refreshes stats. */
  tick(): void {
    if (performance.now() - this.lastShow > STALE_MS) this.display(this.pairer.flushStale());
    this.renderStats(Date.now());
  }

  /** Redraws the overlay (filters changed, or the tile was resized). */
  redraw(): void {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => {
      this.rafPending = false;
      this.drawOverlay();
    });
  }

  /** Stops observers; the caller removes `el`. */
  dispose(): void {
    this.resizeObserver.disconnect();
    clearTimeout(this.eventTimer);
  }

  private display(pair: Pair<Uint8Array, DetectionsMessage> | undefined): void {
    if (!pair) return;
    this.lastShow = performance.now();
    this.placeholder.hidden = true;
    // Decodes run one after another so a slow decode never paints over a newer picture.
    this.decoding = this.decoding.then(async () => {
      if (pair.frame) await this.paintFrame(pair.frame);
      if (pair.result) this.accept(pair.result);
      this.redraw();
    });
  }

  private async paintFrame(jpeg: Uint8Array): Promise<void> {
    try {
      const bitmap = await createImageBitmap(new Blob([jpeg as BlobPart], { type: 'image/jpeg' }));
      // Video may have been switched off while this frame was queued or decoding.
      if (!this.framesWanted) return bitmap.close();
      if (this.frameCanvas.width !== bitmap.width || this.frameCanvas.height !== bitmap.height) {
        this.frameCanvas.width = bitmap.width;
        this.frameCanvas.height = bitmap.height;
      }
      this.frameCanvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      if (!this.current) this.setAspect(bitmap.width, bitmap.height);
      bitmap.close();
    } catch (e) {
      console.warn(`ssd-stream: cannot decode a frame of ${this.id}`, e);
    }
  }

  private accept(msg: DetectionsMessage): void {
    const now = Date.now();
    this.current = msg;
    this.trails.update(msg.detections, now);
    this.setAspect(msg.width, msg.height);
    this.shownAt.push(now);
    this.latencies.push(now - msg.capturedAt);
    this.renderStats(now);
  }

  private drawOverlay(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.view.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.view.clientHeight * dpr));
    if (this.overlay.width !== w || this.overlay.height !== h) {
      this.overlay.width = w;
      this.overlay.height = h;
    }
    const ctx = this.overlay.getContext('2d')!;
    drawDetections(ctx, w, h, this.current?.detections ?? [], this.trails, { ...this.drawOptions(), dpr });
  }

  private setAspect(width: number, height: number): void {
    if (width > 0 && height > 0) this.view.style.aspectRatio = `${width} / ${height}`;
  }

  private renderStats(now: number): void {
    const since = now - STATS_WINDOW_MS;
    while (this.shownAt.length > STATS_SAMPLES || (this.shownAt.length > 0 && this.shownAt[0] < since)) {
      this.shownAt.shift();
      this.latencies.shift();
    }
    const n = this.shownAt.length;
    if (n === 0) {
      this.stats.textContent = '– fps';
      return;
    }
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const latency = `${Math.round(sorted[Math.floor(n / 2)])} ms`;
    const span = this.shownAt[n - 1] - this.shownAt[0];
    // Over the span actually covered, so a tile that just started is right; one sample: no rate.
    const fps = n >= 2 && span > 0 ? `${((n - 1) / (span / 1000)).toFixed(1)} fps` : '– fps';
    this.stats.textContent = `${fps} · ${latency}`;
  }

}
