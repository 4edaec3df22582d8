/**
 * The project's root folder (where package.json, models/ and pipelines/ live), found from this
 * file's location so it is the same from `src/` (tsx) and from `dist/` (built).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'models'))) return dir;
    const up = dirname(dir);
    if (up === dir) return join(start, '..', '..');
    dir = up;
  }
}

/** Absolute path of the project root. */
export const projectRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));

/** Absolute path of a file under the project root. */
export function projectPath(...parts: string[]): string {
  return join(projectRoot, ...parts);
}
