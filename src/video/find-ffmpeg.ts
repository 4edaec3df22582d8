/**
 * Locates a working ffmpeg binary (DESIGN decision 7): `FFMPEG_PATH`, then the system `ffmpeg`
 * on `PATH`, then the binary shipped by the npm package `@ffmpeg-installer/ffmpeg`. A candidate
 * counts only if `<bin> -version` actually runs, so a stale `FFMPEG_PATH` falls through instead
 * of failing every stream later.
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorCodes, SsdsError, errorMessage } from '../errors.js';
import { logger } from '../util/logger.js';

const log = logger.child({ module: 'video' });

/** How long one `-version` probe may take before the candidate is skipped. */
const PROBE_TIMEOUT_MS = 10_000; // ms

/** Where to look; every field defaults to the real environment. */
export interface FindFfmpegOptions {
  /** Environment to read `FFMPEG_PATH` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Name looked up on `PATH` (default `ffmpeg`); `null` skips the system binary. */
  systemName?: string | null;
  /** Path of the npm-shipped binary; `null` skips it; default: resolved from the package. */
  installerPath?: string | null;
}

/** One candidate and where it came from, for the error message. */
interface Candidate {
  origin: string;
  path: string;
}

let cached: Promise<string> | undefined;

/**
 * Path of a working ffmpeg. The answer is cached for the process (probing spawns ffmpeg).
 * @throws SsdsError `FFMPEG_NOT_FOUND` when no candidate runs.
 */
export function findFfmpeg(): Promise<string> {
  if (!cached) {
    cached = resolveFfmpeg();
    // A failure is not cached: the user may install ffmpeg while the server runs.
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

/**
 * Uncached search with injectable places to look (tests use this).
 * @throws SsdsError `FFMPEG_NOT_FOUND` listing every candidate and why it failed.
 */
export async function resolveFfmpeg(options: FindFfmpegOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const candidates: Candidate[] = [];
  if (env.FFMPEG_PATH) candidates.push({ origin: 'FFMPEG_PATH', path: env.FFMPEG_PATH });
  const systemName = options.systemName === undefined ? 'ffmpeg' : options.systemName;
  if (systemName) candidates.push({ origin: 'PATH', path: systemName });
  const installer =
    options.installerPath === undefined ? installerBinaryPath() : options.installerPath;
  if (installer) candidates.push({ origin: '@ffmpeg-installer/ffmpeg', path: installer });

  const failures: string[] = [];
  for (const c of candidates) {
    if (c.origin === '@ffmpeg-installer/ffmpeg') ensureExecutable(c.path);
    try {
      await probe(c.path, env);
      return c.path;
    } catch (e) {
      failures.push(`${c.origin} (${c.path}): ${errorMessage(e)}`);
      if (c.origin === 'FFMPEG_PATH') {
        log.warn({ path: c.path }, 'FFMPEG_PATH does not run, trying the next candidate');
      }
    }
  }
  throw new SsdsError(
    ErrorCodes.FFMPEG_NOT_FOUND,
    `ffmpeg not found: set FFMPEG_PATH, install ffmpeg, or install @ffmpeg-installer/ffmpeg` +
      (failures.length ? ` (tried ${failures.join('; ')})` : ' (no candidates)'),
  );
}

/** Runs `<bin> -version`; resolves when it exits 0 and prints an ffmpeg banner. */
function probe(bin: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ['-hide_banner', '-version'],
      { timeout: PROBE_TIMEOUT_MS, env: env as NodeJS.ProcessEnv },
      (err, stdout) => {
        if (err) reject(err);
        else if (!/ffmpeg version/i.test(stdout)) reject(new Error('not an ffmpeg binary'));
        else resolve();
      },
    );
  });
}

/** The npm package's binary path, or undefined when the package or its platform part is absent. */
function installerBinaryPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@ffmpeg-installer/ffmpeg') as { path?: string };
    return mod.path;
  } catch {
    // The package throws a string for unsupported platforms; either way it is just absent.
    return undefined;
  }
}

/** npm 11 skips the package's postinstall, which is what sets the exec bit; set it ourselves. */
function ensureExecutable(path: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    try {
      const mode = statSync(path).mode;
      chmodSync(path, mode | 0o111);
      log.info({ path }, 'made the @ffmpeg-installer binary executable');
    } catch (e) {
      // Read-only install: the probe below reports the real failure.
      log.debug({ path, err: errorMessage(e) }, 'chmod of the @ffmpeg-installer binary failed');
    }
  }
}
