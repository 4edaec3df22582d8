/**
 * `npm run bench -- <name> [args]` runs `bench/<name>.ts` (detector, nms, pipeline, tracking,
 * training). Each benchmark runs on import, reads its own `--flags` from `process.argv` and
 * prints one JSON object on stdout.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const NAMES = ['detector', 'nms', 'pipeline', 'tracking', 'training'] as const;

const [name, ...rest] = process.argv.slice(2);
if (!name || !(NAMES as readonly string[]).includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${NAMES.join('|')}> [options]\n`);
  process.exit(2);
}
const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
if (!existsSync(file)) {
  process.stderr.write(`bench ${name}: ${file} does not exist yet\n`);
  process.exit(2);
}
// The benchmark sees the same argv as if it had been started directly.
process.argv = [process.argv[0]!, file, ...rest];
await import(pathToFileURL(file).href);
