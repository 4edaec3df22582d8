#!/usr/bin/env node
/**
 * Bundles the browser viewer (src/web) into dist/web with esbuild: viewer.ts (and what it
 * imports, e.g. src/server/ws-protocol.ts) becomes one viewer.js; index.html and styles.css
 * are copied. `npm run build` runs it after tsc; it also runs alone: `node scripts/build-web.js`.
 * The server bundles the same entry in memory when run from sources (src/server/web-assets.ts).
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COPIED = new Set(['.html', '.css', '.svg', '.png', '.ico']);

/**
 * Builds the viewer from `srcDir` into `outDir` (defaults: src/web → dist/web). Returns the
 * written file names.
 * @param {{ srcDir?: string, outDir?: string }} [opts]
 * @returns {Promise<string[]>}
 */
export async function buildWeb(opts = {}) {
  const srcDir = opts.srcDir ?? join(ROOT, 'src', 'web');
  const outDir = opts.outDir ?? join(ROOT, 'dist', 'web');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(srcDir, 'viewer.ts')],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  const written = ['viewer.js', 'viewer.js.map'];
  for (const name of await readdir(srcDir)) {
    if (!COPIED.has(extname(name))) continue;
    await copyFile(join(srcDir, name), join(outDir, name));
    written.push(name);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `--outdir DIR` writes elsewhere than dist/web (tests build into a temp dir).
  const i = process.argv.indexOf('--outdir');
  const outDir = i > 0 ? process.argv[i + 1] : undefined;
  buildWeb(outDir ? { outDir } : {}).then(
    (files) => console.error(`build-web: wrote ${files.join(', ')} to ${outDir ?? 'dist/web'}`),
    (e) => {
      console.error(`build-web: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
