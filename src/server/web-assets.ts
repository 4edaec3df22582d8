/**
 * The viewer's files for `/`. A build (`npm run build`) leaves them bundled in `dist/web`; when
 * the server runs from TypeScript sources (tsx, tests) the viewer is bundled in memory with
 * esbuild on the first request instead, so a stale `dist/web` never hides a source change.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, SsdsError, errorMessage } from '../errors.js';

/** One file of the viewer. */
export interface WebAsset {
  body: Buffer;
  type: string;
}

/** Looks up viewer files by URL path (`/` is `index.html`). */
export interface WebAssets {
  /** The file for `urlPath`, or undefined when there is none. */
  get(urlPath: string): Promise<WebAsset | undefined>;
  /** Where the files come from, for the startup log. */
  readonly origin: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Repository (or package) root: this file sits in `src/server/` or `dist/server/`. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Chooses the viewer files: `webRoot` when given, the in-memory bundle when running from
 * sources, else `dist/web` (falling back to the in-memory bundle when that is missing).
 */
export function createWebAssets(webRoot?: string): WebAssets {
  if (webRoot) return directoryAssets(resolve(webRoot));
  const fromSources = import.meta.url.endsWith('.ts');
  const dist = join(ROOT, 'dist', 'web');
  if (!fromSources && existsSync(join(dist, 'index.html'))) return directoryAssets(dist);
  return bundledAssets(join(ROOT, 'src', 'web'));
}

/** Serves files below `dir`, refusing paths that climb out of it. */
function directoryAssets(dir: string): WebAssets {
  return {
    origin: dir,
    async get(urlPath) {
      const rel = urlPath === '/' ? 'index.html' : decodeURIComponent(urlPath).replace(/^\/+/, '');
      const file = normalize(join(dir, rel));
      if (!file.startsWith(dir + sep)) return undefined;
      const type = TYPES[extname(file)];
      if (!type) return undefined;
      try {
        return { body: await readFile(file), type };
      } catch {
        return undefined;
      }
    },
  };
}

/** Bundles `srcDir/viewer.ts` with esbuild once, and serves it with the static files beside it. */
function bundledAssets(srcDir: string): WebAssets {
  let files: Promise<Map<string, WebAsset>> | undefined;
  const build = async (): Promise<Map<string, WebAsset>> => {
    const out = new Map<string, WebAsset>();
    for (const name of await readdir(srcDir)) {
      const type = TYPES[extname(name)];
      if (type) out.set(`/${name}`, { body: await readFile(join(srcDir, name)), type });
    }
    // esbuild is a dev dependency: only needed here, when no build exists.
    const esbuild = await import('esbuild');
    try {
      const result = await esbuild.build({ ...viewerBuildOptions(srcDir), write: false, outdir: '/' });
      for (const f of result.outputFiles) {
        const name = f.path.slice(f.path.lastIndexOf('/'));
        out.set(name, { body: Buffer.from(f.contents), type: TYPES[extname(name)] ?? 'application/octet-stream' });
      }
    } catch (e) {
      throw new SsdsError(ErrorCodes.INTERNAL, `bundling the viewer ${join(srcDir, 'viewer.ts')} failed: ${errorMessage(e)}`, {
        cause: e,
      });
    }
    return out;
  };
  return {
    origin: `${srcDir} (bundled in memory)`,
    async get(urlPath) {
      files ??= build();
      try {
        return (await files).get(urlPath === '/' ? '/index.html' : urlPath);
      } catch (e) {
        files = undefined; // let the next request retry after a fix
        throw e;
      }
    },
  };
}

/** esbuild options shared in spirit with scripts/build-web.js (which cannot import TypeScript). */
function viewerBuildOptions(srcDir: string) {
  return {
    entryPoints: [join(srcDir, 'viewer.ts')],
    bundle: true,
    format: 'esm' as const,
    target: ['chrome110', 'firefox110', 'safari16'],
    sourcemap: 'inline' as const,
    logLevel: 'silent' as const,
  };
}
