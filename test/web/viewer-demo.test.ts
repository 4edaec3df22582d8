/**
 * The "done when", as a test: the real service (ffmpeg demo source, the default face
 * model in a worker, ByteTrack, the server) and the viewer in headless Chromium, which must
 * show the moving picture with face boxes drawn on the overlay.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/pipeline/config-loader.js';
import { startService, type Service } from '../../src/pipeline/service.js';
import { chromiumSkipReason, launchChromium, type ChromiumSession } from '../helpers/chromium.js';

if (chromiumSkipReason) console.warn(chromiumSkipReason);

/** Opaque overlay pixels of the face class colour, and painted frame pixels, of a tile. */
async function tilePixels(page: Page, stream: string): Promise<{ boxPixels: number; framePainted: boolean }> {
  return page.evaluate((stream) => {
    const tile = document.querySelector(`.tile[data-stream="${stream}"]`);
    const overlay = tile?.querySelector<HTMLCanvasElement>('canvas.overlay');
    const frame = tile?.querySelector<HTMLCanvasElement>('canvas.frame');
    if (!overlay || !frame || overlay.width < 2 || frame.width < 2) return { boxPixels: 0, framePainted: false };
    const o = overlay.getContext('2d')!.getImageData(0, 0, overlay.width, overlay.height).data;
    let boxPixels = 0;
    // The face class (id 1) is drawn in a saturated green: count those opaque pixels.
    for (let i = 0; i < o.length; i += 4) if (o[i + 3] > 200 && o[i + 1] > 150 && o[i + 1] > o[i] + 60 && o[i + 1] > o[i + 2] + 60) boxPixels++;
    const f = frame.getContext('2d')!.getImageData(0, 0, frame.width, frame.height).data;
    let lit = 0;
    for (let i = 0; i < f.length; i += 4 * 97) if (f[i + 3] === 255 && f[i] + f[i + 1] + f[i + 2] > 60) lit++;
    return { boxPixels, framePainted: lit > 50 };
  }, stream);
}

describe.skipIf(chromiumSkipReason !== undefined)('viewer on the real demo pipeline', () => {
  let dir: string;
  let service: Service;
  let browser: ChromiumSession;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ssds-viewer-demo-'));
    const pipeline = join(dir, 'demo.yaml');
    writeFileSync(
      pipeline,
      `pipelines:
  - name: demo
    model: default
    threads: 1
    sources:
      - { id: faces, url: "demo:sample1?motion=pan&fps=5&size=480x320", jpeg: { width: 480 } }
`,
    );
    const config = loadConfig({ pipelinePath: pipeline, overrides: { port: 0, host: '127.0.0.1' } });
    service = await startService(config, { logger: pino({ level: 'silent' }) });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the moving picture with face boxes drawn over it', async () => {
    const page = browser.page;
    await page.goto(service.url);
    await page.waitForSelector('.tile[data-stream="faces"] .badge[data-state="live"]', { timeout: 60_000 });
    const end = Date.now() + 90_000;
    let px = await tilePixels(page, 'faces');
    while (!(px.framePainted && px.boxPixels > 100) && Date.now() < end) {
      await page.waitForTimeout(250);
      px = await tilePixels(page, 'faces');
    }
    await page.screenshot({ path: join(tmpdir(), 'ssds-viewer-demo.png') });
    expect(px.framePainted).toBe(true);
    // A face box is at least a few hundred pixels of outline at 2 px.
    expect(px.boxPixels).toBeGreaterThan(100);
    expect(await page.textContent('.tile[data-stream="faces"] .stats')).toMatch(/ms$/);
  });
});
