/**
 * Every default of the server and pipeline config in one place, with units. The schema
 * (`config-schema.ts`) applies them; `config/default.yaml` documents the same values.
 */
export const CONFIG_DEFAULTS = {
  server: {
    host: '0.0.0.0',
    port: 8080,
    /** Bearer token for `/api` and `/ws`; null = no auth. `SSDS_AUTH_TOKEN` overrides. */
    authToken: null as string | null,
    /** Browser origins allowed on `/ws` and `/api`; empty = same-origin pages only; '*' = any. */
    allowedOrigins: [] as string[],
    metrics: {
      /** How often the event-loop delay is sampled into its histogram. */
      lagSampleMs: 500, // ms
    },
    /** Grace period for SIGINT/SIGTERM before the process exits anyway. */
    shutdownTimeoutMs: 4000, // ms
  },
  pipeline: {
    /** Catalogue name, path to an .onnx file, or 'default' (the embedded default model). */
    model: 'default',
    executionProvider: 'auto' as 'auto' | 'cpu' | 'cuda',
    /** Inference worker threads, each with its own ONNX Runtime session. */
    workers: 1,
    /** Intra-op threads per session; null = the machine's cores divided among the workers. */
    threads: null as number | null,
    /** Frames from different streams per inference call. */
    maxBatch: 4,
    /** Longest a frame waits for a batch to fill. */
    maxWaitMs: 10, // ms
    /** Frames an offline (non-live) source may have queued before its decoder is paused. */
    queueSize: 8, // frames
    /** Batches in flight per pipeline (one per worker keeps every worker busy). */
    maxInFlight: 0, // 0 = workers + 1
  },
  source: {
    /** Decimate to this rate; null = the source's own rate. */
    fps: null as number | null,
    loop: false,
    /** Files only: read at native pace (`-re`), i.e. behave like a camera. */
    realtime: true,
    rtspTransport: 'tcp' as 'tcp' | 'udp',
    timeouts: {
      connectMs: 15_000, // ms, connection plus the wait for the first keyframe
      readMs: 10_000, // ms, socket read
      stallMs: 10_000, // ms without a frame before the source is restarted
    },
    backoff: {
      initialMs: 500, // ms, first retry delay
      maxMs: 30_000, // ms, cap
      factor: 2,
      jitter: 0.2, // ± fraction of the delay
    },
    jpeg: {
      enabled: true,
      /** Display width of viewer JPEGs; height keeps the aspect ratio. */
      width: 640, // px
      /** JPEG quality, 1 (worst) … 100 (best). */
      quality: 75,
    },
  },
  tracker: {
    type: 'bytetrack' as 'bytetrack' | 'sort' | 'iou' | 'none',
  },
} as const;
