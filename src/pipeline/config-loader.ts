/**
 * Reads the server config and a pipeline file (YAML), validates them against the closed schema,
 * applies CLI overrides, fills derived values (stream ids, `live`) and freezes the result. The
 * first problem is reported as a {@link ConfigError} naming the key path
 * (`pipelines[0].sources[2].url: expected ...`) and the file.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, ErrorCodes, SsdsError } from '../errors.js';
import {
  configFileSchema,
  serverConfigSchema,
  sourceConfigSchema,
  type AppConfig,
  type PipelineConfig,
  type ResolvedSource,
  type ServerConfig,
  type SourceConfig,
} from './config-schema.js';
import { pipelineConfigSchema } from './config-schema.js';

/** What the CLI can override without a YAML file. */
export interface ConfigOverrides {
  /** Extra source URLs, added to the first pipeline (created when there is none). */
  sources?: string[];
  port?: number;
  host?: string;
  /** Model for every pipeline. */
  model?: string;
  /** Create an empty `main` pipeline when none is configured, so streams can be added via the API. */
  ensurePipeline?: boolean;
}

/** Which files to read. Both are optional: defaults alone give a server with no pipelines. */
export interface LoadConfigOptions {
  configPath?: string;
  pipelinePath?: string;
  overrides?: ConfigOverrides;
  /** Base for relative file paths in source URLs; default the process cwd. */
  cwd?: string;
}

/** Formats a zod issue path as `pipelines[0].sources[2].url`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Turns the first zod issue into a ConfigError; the others are summarised in the message. */
export function configErrorFromZod(err: z.ZodError, where: string, prefix: PropertyKey[] = []): ConfigError {
  const describe = (i: z.core.$ZodIssue): { path: string; message: string } => {
    if (i.code === 'unrecognized_keys') {
      const keys = i.keys;
      return {
        path: formatPath([...prefix, ...i.path, keys[0] ?? '']),
        message: `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`,
      };
    }
    return { path: formatPath([...prefix, ...i.path]), message: i.message };
  };
  const all = err.issues.map(describe);
  const first = all[0] ?? { path: '', message: 'invalid config' };
  const more = all.length > 1 ? ` (and ${all.length - 1} more: ${all.slice(1, 4).map((x) => x.path).join(', ')})` : '';
  return new ConfigError(first.path, `${first.message}${where ? ` in ${where}` : ''}${more}`, { cause: err });
}

/** Reads one YAML file into plain data; syntax errors name the file, line and column. */
export function readYamlFile(path: string): unknown {
  if (!existsSync(path)) throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `config file not found: ${path}`);
  const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new ConfigError('', `${path}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  return doc.toJS() ?? {};
}

/** True when `url` names a local file (not a network URL, device, lavfi or demo source). */
export function isLocalFile(url: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url.startsWith('file://');
  return !url.startsWith('/dev/video');
}

/** Fills `id` and `live` and checks that local files exist. `path` is used in errors. */
export function resolveSource(src: SourceConfig, fallbackId: string, path: string, cwd: string): ResolvedSource {
  let url = src.url;
  const local = isLocalFile(url);
  if (local) {
    const file = url.startsWith('file://') ? url.slice('file://'.length) : url;
    const abs = resolve(cwd, file);
    if (!existsSync(abs) || !statSync(abs).isFile()) throw new ConfigError(`${path}.url`, `file not found: ${abs}`);
    url = abs;
  }
  // A real-time file behaves like a camera (skip while busy); a file read as fast as possible is
  // an offline job where every frame counts.
  const live = src.live ?? (local ? src.realtime : true);
  return { ...src, url, id: src.id ?? fallbackId, live };
}

/** Validates one source given at run time (`POST /api/streams`); errors are under `source`. */
export function parseSourceRequest(value: unknown, fallbackId: string, cwd = process.cwd()): ResolvedSource {
  const r = sourceConfigSchema.safeParse(value);
  if (!r.success) throw configErrorFromZod(r.error, '', ['source']);
  return deepFreeze(resolveSource(r.data, fallbackId, 'source', cwd));
}

/** Loads, validates, merges and freezes the whole config. */
export function loadConfig(opts: LoadConfigOptions = {}): AppConfig {
  const cwd = opts.cwd ?? process.cwd();
  let server: ServerConfig = serverConfigSchema.parse({});
  let pipelines: PipelineConfig[] = [];
  const sourceFile = new Map<string, string>();

  for (const path of [opts.configPath, opts.pipelinePath]) {
    if (!path) continue;
    const r = configFileSchema.safeParse(readYamlFile(path));
    if (!r.success) throw configErrorFromZod(r.error, path);
    if (r.data.server) server = r.data.server;
    if (r.data.pipelines) {
      pipelines = r.data.pipelines;
      for (const p of pipelines) sourceFile.set(p.name, path);
    }
  }

  const o = opts.overrides ?? {};
  if (o.port !== undefined) server = { ...server, port: o.port };
  if (o.host !== undefined) server = { ...server, host: o.host };
  if (process.env.SSDS_AUTH_TOKEN) server = { ...server, authToken: process.env.SSDS_AUTH_TOKEN };
  if (o.sources?.length) {
    if (pipelines.length === 0) pipelines = [pipelineConfigSchema.parse({ name: 'main' })];
    const first = pipelines[0]!;
    const extra = o.sources.map((url, i) => {
      const r = sourceConfigSchema.safeParse({ url });
      if (!r.success) throw configErrorFromZod(r.error, '--source', [`source[${i}]`]);
      return r.data;
    });
    pipelines[0] = { ...first, sources: [...first.sources, ...extra] };
  }
  if (o.ensurePipeline && pipelines.length === 0) pipelines = [pipelineConfigSchema.parse({ name: 'main' })];
  if (o.model) pipelines = pipelines.map((p) => ({ ...p, model: o.model! }));

  const names = new Map<string, number>();
  const ids = new Map<string, string>();
  let n = 0;
  const resolved = pipelines.map((p, pi) => {
    const where = `pipelines[${pi}]`;
    if (names.has(p.name)) throw new ConfigError(`${where}.name`, `duplicate pipeline name "${p.name}" (also pipelines[${names.get(p.name)}])`);
    names.set(p.name, pi);
    const sources = p.sources.map((s, si) => {
      n += 1;
      const path = `${where}.sources[${si}]`;
      let fallback = `cam${n}`;
      while (ids.has(fallback)) fallback = `cam${++n}`;
      const rs = resolveSource(s, fallback, path, cwd);
      if (ids.has(rs.id)) throw new ConfigError(`${path}.id`, `duplicate stream id "${rs.id}" (also ${ids.get(rs.id)})`);
      ids.set(rs.id, path);
      return rs;
    });
    return { ...p, sources };
  });
  return deepFreeze({ server, pipelines: resolved });
}

/** Freezes an object graph so nobody mutates validated config by accident. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
