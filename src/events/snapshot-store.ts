/**
 * Event snapshots: a JPEG of the frame with the event's box drawn, attached to `track.new` and
 * `zone.enter` events by URL (`snapshot: "/api/snapshots/<id>.jpg"`), the way NVR users expect
 * to see who entered.
 *
 * `attach` returns the URL at once and renders in the background (sharp runs on libvips' thread
 * pool, so the event loop only pays for queuing the job); `get` awaits the rendering. The store
 * is bounded: the oldest snapshots are forgotten first, so memory stays flat on a busy stream.
 * The server serves `get(id)` under `baseUrl`.
 */
import sharp from 'sharp';
import { randomBytes } from 'node:crypto';
import { logger } from '../util/logger.js';

const log = logger.child({ module: 'snapshots' });

/** Snapshot options. */
export interface SnapshotConfig {
  maxItems: number;
  baseUrl: string;
  types: readonly string[];
  boxColor: string;
  lineWidth: number;
  quality: number;
}

/** Defaults with units. */
export const snapshotDefaults: Readonly<SnapshotConfig> = Object.freeze({
  /** Snapshots kept; older ones are evicted. */
  maxItems: 256,
  /** URL prefix the server serves `get(id)` under. */
  baseUrl: '/api/snapshots',
  /** Event types that get a snapshot. */
  types: ['track.new', 'zone.enter'],
  boxColor: '#ff3b30',
  /** Box outline width as a fraction of the picture's shorter side. */
  lineWidth: 0.006,
  quality: 80, // JPEG quality
});

/** Options of {@link createSnapshotStore}. */
export type SnapshotOptions = Partial<SnapshotConfig>;

/** Bounded in-memory store of rendered snapshots. */
export interface SnapshotStore {
  /**
   * When `event.type` is one of the snapshot types: starts rendering `jpeg` with `event.box`
   * (normalised xyxy) drawn, sets `event.snapshot` to the URL and returns it. Otherwise returns
   * undefined and leaves the event alone. Never throws.
   */
  attach(event: { type?: unknown; box?: unknown; snapshot?: string }, jpeg: Uint8Array): string | undefined;
  /** The rendered JPEG, or undefined when unknown, evicted or not renderable. */
  get(id: string): Promise<Uint8Array | undefined>;
  /** Snapshots held now. */
  readonly size: number;
}

function isBox(b: unknown): b is [number, number, number, number] {
  return Array.isArray(b) && b.length === 4 && b.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** Draws `box` (normalised xyxy) on `jpeg`. */
export async function renderSnapshot(
  jpeg: Uint8Array,
  box: [number, number, number, number] | undefined,
  opts: Pick<SnapshotConfig, 'boxColor' | 'lineWidth' | 'quality'> = snapshotDefaults,
): Promise<Uint8Array> {
  const img = sharp(jpeg);
  const { width, height } = await img.metadata();
  if (!width || !height) throw new Error('not a picture');
  if (!box) return img.jpeg({ quality: opts.quality }).toBuffer();
  const lw = Math.max(2, Math.round(opts.lineWidth * Math.min(width, height)));
  const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  const x1 = clamp(box[0] * width, width);
  const y1 = clamp(box[1] * height, height);
  const x2 = clamp(box[2] * width, width);
  const y2 = clamp(box[3] * height, height);
  // The stroke is centred on the rectangle's edge: inset by half the width so it stays inside.
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect x="${x1 + lw / 2}" y="${y1 + lw / 2}" width="${Math.max(0, x2 - x1 - lw)}" height="${Math.max(0, y2 - y1 - lw)}" ` +
    `fill="none" stroke="${opts.boxColor}" stroke-width="${lw}"/></svg>`;
  return img.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).jpeg({ quality: opts.quality }).toBuffer();
}

/** Creates a snapshot store. */
export function createSnapshotStore(options: SnapshotOptions = {}): SnapshotStore {
  const o = { ...snapshotDefaults, ...options };
  const items = new Map<string, Promise<Uint8Array | undefined>>(); // insertion order = age
  return {
    attach(event, jpeg) {
      try {
        if (!o.types.includes(String(event.type))) return undefined;
        const id = randomBytes(9).toString('base64url');
        const rendering = renderSnapshot(jpeg, isBox(event.box) ? event.box : undefined, o).catch((e: Error) => {
          log.debug({ err: e.message }, 'snapshot not rendered');
          return undefined;
        });
        items.set(id, rendering);
        while (items.size > o.maxItems) items.delete(items.keys().next().value!);
        const url = `${o.baseUrl}/${id}.jpg`;
        event.snapshot = url;
        return url;
      } catch (e) {
        log.debug({ err: (e as Error).message }, 'snapshot not attached');
        return undefined;
      }
    },
    async get(id) {
      return items.get(id.replace(/\.jpg$/, ''));
    },
    get size() {
      return items.size;
    },
  };
}
