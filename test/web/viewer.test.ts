/**
 * The viewer in real headless Chromium against a real server fed by a runtime double with real
 * JPEGs: the picture is painted, boxes are drawn on the overlay (checked by pixels), filters
 * hide them, state badges follow the stream, and the token prompt works.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/http-server.js';
import { createMetrics, type Metrics } from '../../src/server/metrics.js';
import type { Detection } from '../../src/types.js';
import { chromiumSkipReason, launchChromium, type ChromiumSession } from '../helpers/chromium.js';
import { FakeRuntime } from '../server/fake-runtime.js';
import { twoToneJpeg } from '../server/jpeg-fixtures.js';
import type { Page } from 'playwright-core';

const RED: [number, number, number] = [200, 40, 40];
const BLUE: [number, number, number] = [40, 60, 200];
/** The static box the pixel checks look at (normalised xyxy). */
const BOX: Detection['box'] = [0.25, 0.25, 0.6, 0.75];

if (chromiumSkipReason) console.warn(chromiumSkipReason);

/** Feeds `cam1` at 10 fps: a two-tone JPEG, a static face box and a person moving in a circle. */
function feed(runtime: FakeRuntime, jpeg: Buffer): () => void {
  let seq = 0;
  const timer = setInterval(() => {
    const t = seq / 10;
    const cx = 0.86 + 0.07 * Math.cos(t);
    const cy = 0.5 + 0.3 * Math.sin(t);
    runtime.emitFrame('cam1', seq++, jpeg, [
      { box: BOX, score: 0.9, classId: 1, label: 'face', trackId: 3 },
      { box: [cx - 0.05, cy - 0.1, cx + 0.05, cy + 0.1], score: 0.7, classId: 2, label: 'person', trackId: 4 },
    ]);
  }, 100);
  return () => clearInterval(timer);
}

/** RGBA values of the overlay (or frame) canvas of a tile around a normalised point. */
async function pixels(page: Page, stream: string, canvas: 'overlay' | 'frame', x: number, y: number, radius = 2) {
  return page.evaluate(
    ({ stream, canvas, x, y, radius }) => {
      const c = document.querySelector<HTMLCanvasElement>(`.tile[data-stream="${stream}"] canvas.${canvas}`)!;
      const px = Math.round(x * c.width);
      const py = Math.round(y * c.height);
      const d = c.getContext('2d')!.getImageData(px - radius, py - radius, 2 * radius + 1, 2 * radius + 1).data;
      const out: number[][] = [];
      for (let i = 0; i < d.length; i += 4) out.push([d[i], d[i + 1], d[i + 2], d[i + 3]]);
      return { width: c.width, height: c.height, px: out };
    },
    { stream, canvas, x, y, radius },
  );
}

/** True when some pixel near the left edge of {@link BOX} is opaque and of the face class colour (green). */
async function boxEdgeDrawn(page: Page): Promise<boolean> {
  const { px } = await pixels(page, 'cam1', 'overlay', BOX[0], (BOX[1] + BOX[3]) / 2);
  return px.some(([r, g, b, a]) => a > 200 && g > 150 && g > r + 60 && g > b + 60);
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const near = (a: number[], b: number[], tol = 40) => b.every((v, i) => Math.abs(a[i] - v) <= tol);

describe.skipIf(chromiumSkipReason !== undefined)('viewer in headless Chromium', () => {
  let browser: ChromiumSession;
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = await twoToneJpeg(320, 240, RED, BLUE);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('an open server', () => {
    let server: RunningServer;
    let runtime: FakeRuntime;
    let metrics: Metrics;
    let stop: () => void;
    let page: Page;
    const errors: string[] = [];
    beforeAll(async () => {
      runtime = new FakeRuntime();
      metrics = createMetrics();
      server = await startServer({ runtime, metrics, port: 0, logger: pino({ level: 'silent' }), ws: { pollMs: 100 } });
      stop = feed(runtime, jpeg);
      page = browser.page;
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
    });
    afterAll(async () => {
      stop?.();
      await server?.close();
      metrics?.close();
    });

    it('shows one tile per stream with the live picture', async () => {
      await page.waitForSelector('.tile[data-stream="cam1"]');
      expect(await page.locator('.tile').count()).toBe(2);
      await eventually(async () => (await pixels(page, 'cam1', 'frame', 0.25, 0.5)).width === 320, 'a painted frame');
      const left = await pixels(page, 'cam1', 'frame', 0.2, 0.5, 0);
      const right = await pixels(page, 'cam1', 'frame', 0.8, 0.5, 0);
      expect(near(left.px[0], [...RED, 255])).toBe(true);
      expect(near(right.px[0], [...BLUE, 255])).toBe(true);
      expect(errors).toEqual([]);
    });

    it('draws the boxes on the overlay, not inside them, with fps and latency', async () => {
      await eventually(() => boxEdgeDrawn(page), 'the face box on the overlay');
      const inside = await pixels(page, 'cam1', 'overlay', 0.4, 0.65);
      expect(inside.px.every((p) => p[3] === 0)).toBe(true);
      // The overlay is sized to the tile on screen, which keeps the stream's aspect (320x240).
      expect(Math.abs(inside.width / inside.height - 4 / 3)).toBeLessThan(0.02);
      await eventually(async () => /^\d+\.\d fps · \d+ ms$/.test((await page.textContent('.tile[data-stream="cam1"] .stats')) ?? ''), 'stats');
      const fps = Number((await page.textContent('.tile[data-stream="cam1"] .stats'))!.split(' ')[0]);
      // The feed runs at 10 fps; wide bounds because timers on a busy CI machine wander.
      expect(fps).toBeGreaterThan(3);
      expect(fps).toBeLessThan(20);
    });

    it('hides boxes below the score slider and of unticked classes', async () => {
      await page.locator('#score').fill('0.95');
      await eventually(async () => !(await boxEdgeDrawn(page)), 'the face box to disappear (score)');
      await page.locator('#score').fill('0');
      await eventually(() => boxEdgeDrawn(page), 'the face box to come back');
      await page.locator('#classes summary').click();
      await page.locator('#class-list label', { hasText: 'face' }).locator('input').uncheck();
      await eventually(async () => !(await boxEdgeDrawn(page)), 'the face box to disappear (class)');
      expect(await page.evaluate(() => localStorage.getItem('ssd-stream.viewer'))).toContain('"hidden":["face"]');
      await page.locator('#class-list label', { hasText: 'face' }).locator('input').check();
      await eventually(() => boxEdgeDrawn(page), 'the face box to come back');
      await page.locator('#classes summary').click(); // close the drop-down again
    });

    it('shows state changes as a badge with the reason', async () => {
      expect(await page.textContent('.tile[data-stream="cam1"] .badge')).toBe('live');
      runtime.setState('cam2', 'backoff', 'connection refused');
      await page.waitForSelector('.tile[data-stream="cam2"] .badge[data-state="backoff"]');
      expect(await page.textContent('.tile[data-stream="cam2"] .error')).toBe('connection refused');
    });

    it('shows pipeline events on the tile', async () => {
      runtime.eventsSubject.next({ type: 'zone.enter', stream: 'cam1', at: Date.now(), zone: 'door', trackId: 3, label: 'face' });
      await page.waitForSelector('.tile[data-stream="cam1"] .event:text("zone.enter · door · face #3")');
      await page.waitForTimeout(1500); // let the moving person leave a trail for the screenshot
      await page.screenshot({ path: join(tmpdir(), 'ssds-viewer.png') });
    });

    it('draws boxes over a dark tile when video is switched off', async () => {
      await page.locator('#frames').uncheck();
      await eventually(async () => (await pixels(page, 'cam1', 'frame', 0.2, 0.5, 0)).px[0][3] === 0, 'the picture to be cleared');
      await page.waitForTimeout(500);
      expect(await boxEdgeDrawn(page)).toBe(true);
      expect((await pixels(page, 'cam1', 'frame', 0.2, 0.5, 0)).px[0][3]).toBe(0); // stays dark
      await page.locator('#frames').check();
      await eventually(async () => (await pixels(page, 'cam1', 'frame', 0.2, 0.5, 0)).px[0][3] === 255, 'the picture back');
    });
  });

  describe('a server with a token', () => {
    it('asks for the token, keeps it, and then shows the streams', async () => {
      const runtime = new FakeRuntime();
      const metrics = createMetrics();
      const server = await startServer({ runtime, metrics, port: 0, auth: { token: 'open-sesame' }, logger: pino({ level: 'silent' }) });
      const stop = feed(runtime, jpeg);
      const page = await browser.context.newPage();
      try {
        await page.goto(server.url);
        await page.waitForSelector('#token-dialog[open]');
        expect(await page.locator('.tile').count()).toBe(0);
        await page.locator('#token').fill('wrong');
        await page.locator('#token-form button').click();
        await page.waitForSelector('#token-dialog[open] #token-error:not([hidden])');
        await page.locator('#token').fill('open-sesame');
        await page.locator('#token-form button').click();
        await page.waitForSelector('.tile[data-stream="cam1"]');
        await eventually(() => boxEdgeDrawn(page), 'boxes after login');
        expect(await page.evaluate(() => localStorage.getItem('ssd-stream.token'))).toBe('open-sesame');
        await page.reload();
        await page.waitForSelector('.tile[data-stream="cam1"]');
        expect(await page.locator('#token-dialog[open]').count()).toBe(0);
      } finally {
        await page.close();
        stop();
        await server.close();
        metrics.close();
      }
    });
  });
});
