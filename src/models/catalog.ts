/**
 * The model catalogue (`models/catalog.yaml`): which models the project knows, where they come
 * from, and whether they are ready locally. `resolveModel` turns what a user writes as `model:`
 * (a catalogue name, `default`, or a path) into an `.onnx` path.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ErrorCodes, SsdsError } from '../errors.js';
import { projectPath } from '../util/project-root.js';
import { DEFAULT_MODEL_NAME, ensureDefaultModel } from './default-model.js';
import { COCO80_LABELS, COCO91_LABELS } from '../inference/coco-labels.js';

const entrySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    default: z.boolean().default(false),
    description: z.string(),
    format: z.enum([
      'ssd-stream',
      'tf-od-api',
      'torchvision-raw',
      'torchvision-postprocessed',
      'onnx-zoo-ssd-resnet34',
    ]),
    /** Inline label list, or a named COCO list (ids as the model's classes use them). */
    labels: z.union([z.array(z.string()), z.enum(['coco91', 'coco80'])]),
    source: z.enum(['builtin', 'url', 'export']),
    url: z.string().url().optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    export: z.string().optional(),
    license: z.string(),
  })
  .strict();

const catalogSchema = z.object({ models: z.array(entrySchema).min(1) }).strict();

/** One catalogue entry. */
export type CatalogEntry = z.infer<typeof entrySchema>;

/** Where a catalogue model is (or would be) cached. */
export function cachedModelPath(name: string): string {
  return projectPath('models', 'cache', `${name}.onnx`);
}

/** Reads and validates `models/catalog.yaml` (or another file, for tests). */
export function loadCatalog(file = projectPath('models', 'catalog.yaml')): CatalogEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SsdsError(ErrorCodes.CONFIG_INVALID, `${file}: cannot read the model catalogue`, { cause: e });
  }
  const r = catalogSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new SsdsError(ErrorCodes.CONFIG_INVALID, `${file}: ${i.path.join('.')}: ${i.message}`);
  }
  return r.data.models;
}

/** Label names of a catalogue entry. */
export function catalogLabels(entry: CatalogEntry): readonly string[] {
  if (Array.isArray(entry.labels)) return entry.labels;
  return entry.labels === 'coco80' ? COCO80_LABELS : COCO91_LABELS;
}

/** True when the model can be loaded without building or downloading anything. */
export function isReady(entry: CatalogEntry): boolean {
  return existsSync(cachedModelPath(entry.name));
}

/**
 * Resolves `default`, a catalogue name or a file path to an `.onnx` path. The default model is
 * built on first use; other catalogue models must have been fetched or exported.
 */
export async function resolveModel(nameOrPath: string | undefined): Promise<string> {
  const ref = nameOrPath ?? 'default';
  if (ref === 'default' || ref === DEFAULT_MODEL_NAME) return ensureDefaultModel();
  const looksLikePath = ref.includes('/') || ref.includes('\\') || ref.endsWith('.onnx');
  if (looksLikePath) {
    const p = isAbsolute(ref) ? ref : resolve(ref);
    if (!existsSync(p)) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `${ref}: model file not found`);
    return p;
  }
  const catalog = loadCatalog();
  const entry = catalog.find((m) => m.name === ref);
  if (!entry) {
    throw new SsdsError(
      ErrorCodes.MODEL_NOT_FOUND,
      `model "${ref}" is neither a file nor in the catalogue (known: ${catalog.map((m) => m.name).join(', ')})`,
    );
  }
  if (isReady(entry)) return cachedModelPath(entry.name);
  const how =
    entry.source === 'url'
      ? `run \`ssd-stream models fetch ${entry.name}\``
      : `export it with \`${entry.export ?? 'the export script'}\``;
  throw new SsdsError(ErrorCodes.MODEL_NOT_FOUND, `model "${ref}" is not ready locally: ${how}`);
}

/**
 * Downloads a `source: url` model into the cache, checking its sha256 when the catalogue knows
 * it. Fails with FETCH_FAILED (naming the model and URL) when there is no network.
 */
export async function fetchModel(
  name: string,
  opts: { timeoutMs?: number; fetchImpl?: typeof fetch } = {},
): Promise<string> {
  const entry = loadCatalog().find((m) => m.name === name);
  if (!entry) throw new SsdsError(ErrorCodes.MODEL_NOT_FOUND, `model "${name}" is not in the catalogue`);
  if (entry.source === 'builtin') return ensureDefaultModel();
  if (entry.source !== 'url' || !entry.url) {
    throw new SsdsError(
      ErrorCodes.FETCH_FAILED,
      `model "${name}" has no download; export it with \`${entry.export ?? 'its export script'}\``,
    );
  }
  const doFetch = opts.fetchImpl ?? fetch;
  let bytes: Buffer;
  try {
    const res = await doFetch(entry.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new SsdsError(
      ErrorCodes.FETCH_FAILED,
      `cannot download model "${name}" from ${entry.url}: ${why} (no internet here? copy the file to ${cachedModelPath(name)} instead)`,
      { cause: e },
    );
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (entry.sha256 && digest !== entry.sha256) {
    throw new SsdsError(
      ErrorCodes.FETCH_FAILED,
      `model "${name}": sha256 ${digest} does not match the catalogue's ${entry.sha256}`,
    );
  }
  const dest = cachedModelPath(name);
  mkdirSync(projectPath('models', 'cache'), { recursive: true });
  writeFileSync(`${dest}.tmp`, bytes);
  renameSync(`${dest}.tmp`, dest);
  return dest;
}
