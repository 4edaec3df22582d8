import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createSnapshotStore } from '../../src/events/snapshot-store.js';

async function grayJpeg(width = 320, height = 240): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg({ quality: 95 }).toBuffer();
}

async function pixel(jpeg: Uint8Array, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const k = (y * info.width + x) * info.channels;
  return [data[k], data[k + 1], data[k + 2]];
}

describe('snapshot store', () => {
  it('attaches a URL to track.new / zone.enter and renders the box on the frame', async () => {
    const store = createSnapshotStore({ baseUrl: '/api/snapshots' });
    const event: { type: string; box: [number, number, number, number]; snapshot?: string } = {
      type: 'zone.enter',
      box: [0.25, 0.25, 0.75, 0.75],
    };
    const url = store.attach(event, await grayJpeg());
    expect(url).toMatch(/^\/api\/snapshots\/[\w-]+\.jpg$/);
    expect(event.snapshot).toBe(url);
    const jpeg = (await store.get(url!.split('/').pop()!))!;
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);
    // Left edge of the box at x = 80 (stroke 2 px inside): red; the centre stays gray.
    const [r, g, b] = await pixel(jpeg, 81, 120);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(110);
    expect(b).toBeLessThan(110);
    const c = await pixel(jpeg, 160, 120);
    expect(c.every((v) => Math.abs(v - 128) < 8)).toBe(true);
  });

  it('ignores other event types, evicts the oldest, and never throws on a bad picture', async () => {
    const store = createSnapshotStore({ maxItems: 2 });
    const jpeg = await grayJpeg(64, 48);
    expect(store.attach({ type: 'line.cross', box: [0, 0, 1, 1] }, jpeg)).toBeUndefined();
    const u1 = store.attach({ type: 'track.new', box: [0, 0, 1, 1] }, jpeg)!;
    store.attach({ type: 'track.new', box: [0, 0, 1, 1] }, jpeg);
    store.attach({ type: 'track.new' }, jpeg); // no box: the plain frame
    expect(store.size).toBe(2);
    expect(await store.get(u1.split('/').pop()!)).toBeUndefined();
    const bad = store.attach({ type: 'track.new', box: [0, 0, 1, 1] }, new Uint8Array([1, 2, 3]))!;
    expect(bad).toBeDefined();
    expect(await store.get(bad.split('/').pop()!)).toBeUndefined();
  });
});
