/**
 * Headless Chromium for viewer tests: Debian's /usr/bin/chromium driven by playwright-core
 * (no browser download), with a fresh profile each launch. Tests skip with
 * {@link chromiumSkipReason} when the browser is absent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian puts Chromium; `CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why viewer tests cannot run here, or undefined when they can. */
export const chromiumSkipReason: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH): viewer tests skipped`;

/**
 * Flags for a quiet, reproducible browser in a container: no sandbox (runs as root in CI), no
 * GPU, and no background traffic (QUIC, component updates, sync) that could slow a test.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A launched browser with one page. */
export interface ChromiumSession {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh `--user-data-dir` (a new temp profile). */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<ChromiumSession> {
  if (chromiumSkipReason) throw new Error(chromiumSkipReason);
  const userDataDir = await mkdtemp(join(tmpdir(), 'ssds-chromium-'));
  // Playwright passes userDataDir as --user-data-dir itself and refuses it among the args.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
