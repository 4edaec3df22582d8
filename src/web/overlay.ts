/**
 * Drawing detections on a tile's overlay canvas: boxes, a label chip (class, score, track id)
 * and the track's trail. Boxes arrive normalised xyxy (DESIGN decision 6), so the same
 * detections draw at any canvas size.
 */
import type { TrackTrails } from './track-trails.js';

/** A detection as received over the WebSocket. */
export interface WireDetection {
  box: [number, number, number, number];
  score: number;
  classId: number;
  label: string;
  trackId?: number;
}

/** What to hide, and the canvas pixel density. */
export interface DrawOptions {
  minScore: number;
  hiddenClasses: ReadonlySet<string>;
  /** devicePixelRatio the canvas was sized with, so lines and text keep their CSS size. */
  dpr: number;
}

/** A stable, well-spread colour per class (golden-angle hue steps). */
export function classColor(classId: number): string {
  return `hsl(${Math.round((classId * 137.508) % 360)} 90% 55%)`;
}

/** True when a detection passes the score slider and class filter. */
export function isVisible(d: WireDetection, opts: Pick<DrawOptions, 'minScore' | 'hiddenClasses'>): boolean {
  return d.score >= opts.minScore && !opts.hiddenClasses.has(d.label);
}

/**
 * Clears the overlay and draws `detections` over a `width`×`height` (canvas pixels) picture.
 * Trails are drawn first so boxes and labels stay on top.
 */
export function drawDetections(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  detections: readonly WireDetection[],
  trails: TrackTrails,
  opts: DrawOptions,
): void {
  ctx.clearRect(0, 0, width, height);
  const visible = detections.filter((d) => isVisible(d, opts));
  const line = Math.max(2, Math.round(2 * opts.dpr));
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';

  for (const d of visible) {
    if (d.trackId === undefined) continue;
    const pts = trails.get(d.trackId);
    // A still object's trail is one point repeated: it would draw as a stray dot mid-box.
    if (pts.length < 2 || trailLengthPx(pts, width, height) < 3) continue;
    ctx.strokeStyle = classColor(d.classId);
    ctx.globalAlpha = 0.75;
    ctx.lineWidth = line;
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x * width, y * height) : ctx.lineTo(x * width, y * height)));
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  const fontPx = Math.round(12 * opts.dpr);
  ctx.font = `600 ${fontPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const d of visible) {
    const color = classColor(d.classId);
    const x1 = d.box[0] * width;
    const y1 = d.box[1] * height;
    const w = (d.box[2] - d.box[0]) * width;
    const h = (d.box[3] - d.box[1]) * height;
    ctx.strokeStyle = color;
    ctx.lineWidth = line;
    ctx.strokeRect(x1, y1, w, h);

    const text = `${d.label} ${Math.round(d.score * 100)}%${d.trackId !== undefined ? ` #${d.trackId}` : ''}`;
    const pad = Math.round(3 * opts.dpr);
    const chipW = ctx.measureText(text).width + 2 * pad;
    const chipH = fontPx + 2 * pad;
    // Above the box when there is room, else just inside its top edge.
    const chipY = y1 - chipH >= 0 ? y1 - chipH : y1;
    const chipX = Math.min(Math.max(0, x1 - line / 2), Math.max(0, width - chipW));
    ctx.fillStyle = color;
    ctx.fillRect(chipX, chipY, chipW, chipH);
    ctx.fillStyle = '#000';
    ctx.fillText(text, chipX + pad, chipY + pad);
  }
}

/** Length of a trail drawn on a `width`×`height` canvas, pixels. */
function trailLengthPx(pts: ReadonlyArray<[number, number]>, width: number, height: number): number {
  let len = 0;
  for (let i = 1; i < pts.length; i++) {
    len += Math.hypot((pts[i][0] - pts[i - 1][0]) * width, (pts[i][1] - pts[i - 1][1]) * height);
  }
  return len;
}
