/**
 * `ssd-stream models list|build|fetch` — the model catalogue from the command line.
 */
import type { Command } from 'commander';
import { action } from './run.js';
import { cachedModelPath, catalogLabels, fetchModel, isReady, loadCatalog } from '../models/catalog.js';
import { ensureDefaultModel } from '../models/default-model.js';
import { deployModel } from '../training/deploy.js';

/** Renders rows as an aligned text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function register(program: Command): void {
  const models = program.command('models').description('list, build and fetch models of the catalogue');

  models
    .command('list')
    .description('the catalogue, and which models are ready locally')
    .option('--json', 'print one JSON array')
    .action(
      action((opts: { json?: boolean }) => {
        const entries = loadCatalog().map((m) => ({
          name: m.name,
          default: m.default,
          format: m.format,
          source: m.source,
          ready: isReady(m),
          labels: catalogLabels(m).filter((l) => l !== 'N/A'),
          path: cachedModelPath(m.name),
          description: m.description,
        }));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
          return;
        }
        const rows = entries.map((e) => [
          e.name + (e.default ? ' *' : ''),
          e.format,
          e.source,
          e.ready ? 'ready' : e.source === 'builtin' ? 'built on first use' : 'not fetched',
          e.description,
        ]);
        process.stdout.write(`${formatTable(['name', 'format', 'source', 'status', 'description'], rows)}\n`);
        process.stdout.write('* default model\n');
      }),
    );

  models
    .command('build')
    .description('build the embedded default model from the face-api weights')
    .option('--force', 'rebuild even when cached')
    .action(
      action(async (opts: { force?: boolean }) => {
        const path = await ensureDefaultModel({ force: Boolean(opts.force) });
        process.stdout.write(`${path}\n`);
      }),
    );

  models
    .command('fetch')
    .description('download a catalogue model (needs internet); checks its sha256 when known')
    .argument('<name>', 'catalogue name')
    .action(
      action(async (name: string) => {
        const path = await fetchModel(name);
        process.stdout.write(`${path}\n`);
      }),
    );

  models
    .command('deploy')
    .description('hot-swap a model into a running serve pipeline (POST /api/models; streams keep running)')
    .argument('<model>', 'ONNX model, e.g. runs/x/best.onnx')
    .requiredOption('--pipeline <name>', 'pipeline whose model is replaced')
    .option('--server <url>', 'server base URL', 'http://localhost:8080')
    .option('--token <token>', 'bearer token of the server API (default: $SSDS_AUTH_TOKEN, as serve reads it)')
    .option('--json', 'print the model the server now runs as JSON')
    .action(
      action(async (model: string, o: { pipeline: string; server: string; token?: string; json?: boolean }) => {
        const info = await deployModel({ server: o.server, pipeline: o.pipeline, model, token: o.token ?? process.env.SSDS_AUTH_TOKEN });
        if (o.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        else process.stdout.write(`pipeline ${info.pipeline} now runs ${info.name} (${info.labels.join(', ')}; ${info.inputWidth}×${info.inputHeight})\n`);
      }),
    );
}
