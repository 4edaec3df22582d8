/**
 * The closed schema of the server config (`config/*.yaml`) and of pipeline files
 * (`pipelines/*.yaml`). Unknown keys are rejected so a typo never silently falls back to a
 * default; defaults come from {@link CONFIG_DEFAULTS}.
 */
import { z } from 'zod';
import { CONFIG_DEFAULTS as D } from './config-defaults.js';
import { trackerConfigSchema, zonesListSchema, linesListSchema, eventSinksConfigSchema } from './tracking-config.js';

/** Stream and pipeline ids appear in URLs, metric labels and file names. */
const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected an id of letters, digits, "_", "." or "-" (max 64)');

/** URL schemes (or local paths) ffmpeg is asked to open. */
const URL_RE = /^(rtsps?|rtmps?|https?|udp|tcp|srt|file):\/\/\S+$|^(lavfi|demo):\S+$|^\/dev\/video\d+$|^[^:\s][^\s]*$|^\.{0,2}\/\S+$/;

/** A source URL: checked for shape here; reachability is the source's job (it retries). */
export const sourceUrlSchema = z
  .string()
  .min(1, 'expected a URL (rtsp://, http(s)://, file path, /dev/videoN, lavfi:..., demo:...)')
  .regex(URL_RE, 'expected a URL (rtsp://, http(s)://, file path, /dev/videoN, lavfi:..., demo:...)');

const timeoutsSchema = z
  .object({
    connectMs: z.number().int().positive().default(D.source.timeouts.connectMs),
    readMs: z.number().int().positive().default(D.source.timeouts.readMs),
    stallMs: z.number().int().positive().default(D.source.timeouts.stallMs),
  })
  .strict();

const backoffSchema = z
  .object({
    initialMs: z.number().int().positive().default(D.source.backoff.initialMs),
    maxMs: z.number().int().positive().default(D.source.backoff.maxMs),
    factor: z.number().min(1).default(D.source.backoff.factor),
    jitter: z.number().min(0).max(1).default(D.source.backoff.jitter),
  })
  .strict();

const jpegSchema = z
  .object({
    enabled: z.boolean().default(D.source.jpeg.enabled),
    width: z.number().int().min(16).max(7680).default(D.source.jpeg.width),
    quality: z.number().int().min(1).max(100).default(D.source.jpeg.quality),
  })
  .strict();

/** One `sources[]` entry. */
export const sourceConfigSchema = z
  .object({
    /** Defaults to `<pipeline>-<index>` in the loader. */
    id: idSchema.optional(),
    url: sourceUrlSchema,
    fps: z.number().positive().max(240).nullable().default(D.source.fps),
    loop: z.boolean().default(D.source.loop),
    realtime: z.boolean().default(D.source.realtime),
    /** Latest-frame-wins when true, every frame (with backpressure) when false. Derived when omitted. */
    live: z.boolean().optional(),
    rtspTransport: z.enum(['tcp', 'udp']).default(D.source.rtspTransport),
    timeouts: timeoutsSchema.default(() => timeoutsSchema.parse({})),
    backoff: backoffSchema.default(() => backoffSchema.parse({})),
    jpeg: jpegSchema.default(() => jpegSchema.parse({})),
  })
  .strict();
/** A validated `sources[]` entry. */
export type SourceConfig = z.infer<typeof sourceConfigSchema>;

/** Overrides of the model's own post-processing; no defaults here so the model's values stand. */
const postprocessOverrideSchema = z
  .object({
    scoreThreshold: z.number().min(0).max(1),
    iouThreshold: z.number().min(0).max(1),
    preNmsTopK: z.number().int().positive(),
    maxDetections: z.number().int().positive(),
    nms: z.enum(['hard', 'soft-linear', 'soft-gaussian', 'diou']),
    softSigma: z.number().positive(),
  })
  .partial()
  .strict();

/** One `pipelines[]` entry. */
export const pipelineConfigSchema = z
  .object({
    name: idSchema,
    model: z.string().min(1).default(D.pipeline.model),
    executionProvider: z.enum(['auto', 'cpu', 'cuda']).default(D.pipeline.executionProvider),
    workers: z.number().int().min(1).max(64).default(D.pipeline.workers),
    threads: z.number().int().min(1).max(256).nullable().default(D.pipeline.threads),
    maxBatch: z.number().int().min(1).max(256).default(D.pipeline.maxBatch),
    maxWaitMs: z.number().min(0).max(10_000).default(D.pipeline.maxWaitMs),
    queueSize: z.number().int().min(1).max(1024).default(D.pipeline.queueSize),
    maxInFlight: z.number().int().min(0).max(64).default(D.pipeline.maxInFlight),
    postprocess: postprocessOverrideSchema.default({}),
    sources: z.array(sourceConfigSchema).default([]),
    tracker: trackerConfigSchema.default(() => trackerConfigSchema.parse({})),
    zones: zonesListSchema,
    lines: linesListSchema,
    events: eventSinksConfigSchema,
  })
  .strict();
/** A validated `pipelines[]` entry. */
export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;

const metricsSchema = z
  .object({
    lagSampleMs: z.number().int().min(10).max(60_000).default(D.server.metrics.lagSampleMs),
  })
  .strict();

/** The `server:` section. */
export const serverConfigSchema = z
  .object({
    host: z.string().min(1).default(D.server.host),
    port: z.number().int().min(0).max(65535).default(D.server.port),
    authToken: z.string().min(8, 'expected a token of at least 8 characters').nullable().default(D.server.authToken),
    allowedOrigins: z
      .array(z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/\s]+$/, 'expected "*" or an origin like https://example.com')]))
      .default([]),
    metrics: metricsSchema.default(() => metricsSchema.parse({})),
    shutdownTimeoutMs: z.number().int().min(100).max(60_000).default(D.server.shutdownTimeoutMs),
  })
  .strict();
/** The validated `server:` section. */
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** A whole config file: either or both sections may appear in a file. */
export const configFileSchema = z
  .object({
    server: serverConfigSchema.optional(),
    pipelines: z.array(pipelineConfigSchema).optional(),
  })
  .strict();

/** The validated, merged and frozen config the runtime and server start from. */
export interface AppConfig {
  readonly server: Readonly<ServerConfig>;
  readonly pipelines: readonly ResolvedPipelineConfig[];
}

/** A pipeline after the loader resolved its sources. */
export type ResolvedPipelineConfig = Readonly<PipelineConfig & { sources: ResolvedSource[] }>;

/** A source after the loader filled in `id` and `live`. */
export type ResolvedSource = SourceConfig & { id: string; live: boolean };
