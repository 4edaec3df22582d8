/**
 * Options of one video source, their defaults, and the one place they are checked. `src/video`
 * knows nothing about models: the caller passes the target size and resize mode as plain values.
 */
import { ConfigError } from '../errors.js';
import { parseSourceUrl, type ParsedSource } from './source-url.js';

/** One source as the video layer sees it. */
export interface VideoSourceOptions {
  streamId: string;
  /**
   * `rtsp://`, `rtsps://`, `http(s)://` (incl. HLS `.m3u8`, MJPEG), a file path or `file://`,
   * `/dev/videoN` (V4L2), or `lavfi:<graph>` (e.g. `lavfi:testsrc2=size=640x360:rate=15`).
   */
  url: string;
  /** Size of the rgb24 frames, usually the model input size (pixels). */
  width: number;
  height: number;
  /** `stretch` ignores the aspect ratio; `pad` keeps it and fills the rest with black. */
  resize: 'stretch' | 'pad';
  /** Where the picture sits inside the padded frame (pad mode only). */
  padAlign: 'top-left' | 'center';
  /** Decimate to at most this many frames per second (never duplicates frames). */
  fps?: number;
  /** Default: true for network, device and lavfi sources, false for files. */
  live?: boolean;
  /** Files: play again from the start at the end (`-stream_loop -1`). */
  loop?: boolean;
  /** Pace reading at the native frame rate (`-re`). Default: true for lavfi, else false. */
  realtime?: boolean;
  /** RTSP lower transport; default `tcp`. */
  rtspTransport?: 'tcp' | 'udp';
  /** Live sources fail when no first frame arrives within this time (ms). */
  connectTimeoutMs?: number;
  /** Socket read timeout handed to ffmpeg for network sources (ms). */
  readTimeoutMs?: number;
  /** Second output: a display-size JPEG per frame, paired with the rgb24 frame by index. */
  jpeg?: { width?: number; quality?: number } | false;
}

/** Defaults, with units. */
export const SOURCE_DEFAULTS = {
  rtspTransport: 'tcp' as const,
  connectTimeoutMs: 15_000, // ms: RTSP DESCRIBE/SETUP plus the wait for the first keyframe
  readTimeoutMs: 10_000, // ms
  /** Display JPEGs are at most this wide when no width is given (never upscaled). */
  jpegMaxWidth: 640, // px
  jpegQuality: 75, // 1..100
};

/** Options after defaults and checks, frozen. */
export interface ResolvedSourceOptions {
  readonly streamId: string;
  readonly url: string;
  readonly source: ParsedSource;
  readonly width: number;
  readonly height: number;
  readonly resize: 'stretch' | 'pad';
  readonly padAlign: 'top-left' | 'center';
  readonly fps?: number;
  readonly live: boolean;
  readonly loop: boolean;
  readonly realtime: boolean;
  readonly rtspTransport: 'tcp' | 'udp';
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  /** `undefined` when no JPEG output is wanted; `width` undefined = source width capped. */
  readonly jpeg?: { readonly width?: number; readonly quality: number };
}

/**
 * Applies defaults and rejects impossible values with the key at fault.
 * @throws ConfigError naming `sources.<streamId>.<key>`.
 */
export function resolveSourceOptions(opts: VideoSourceOptions): ResolvedSourceOptions {
  const at = (key: string) => `sources.${opts.streamId || '?'}.${key}`;
  if (!opts.streamId) throw new ConfigError('sources[].streamId', 'must be a non-empty string');
  if (!opts.url) throw new ConfigError(at('url'), 'must be a non-empty string');
  positiveInt(opts.width, at('width'));
  positiveInt(opts.height, at('height'));
  if (opts.resize !== 'stretch' && opts.resize !== 'pad') {
    throw new ConfigError(at('resize'), `expected 'stretch' or 'pad', got ${String(opts.resize)}`);
  }
  if (opts.padAlign !== 'top-left' && opts.padAlign !== 'center') {
    throw new ConfigError(at('padAlign'), `expected 'top-left' or 'center', got ${String(opts.padAlign)}`);
  }
  if (opts.fps !== undefined && !(opts.fps > 0 && Number.isFinite(opts.fps))) {
    throw new ConfigError(at('fps'), `expected a positive number, got ${opts.fps}`);
  }
  const transport = opts.rtspTransport ?? SOURCE_DEFAULTS.rtspTransport;
  if (transport !== 'tcp' && transport !== 'udp') {
    throw new ConfigError(at('rtspTransport'), `expected 'tcp' or 'udp', got ${String(transport)}`);
  }
  const connectTimeoutMs = opts.connectTimeoutMs ?? SOURCE_DEFAULTS.connectTimeoutMs;
  const readTimeoutMs = opts.readTimeoutMs ?? SOURCE_DEFAULTS.readTimeoutMs;
  positiveInt(connectTimeoutMs, at('connectTimeoutMs'));
  positiveInt(readTimeoutMs, at('readTimeoutMs'));
  let jpeg: ResolvedSourceOptions['jpeg'];
  if (opts.jpeg) {
    if (opts.jpeg.width !== undefined) positiveInt(opts.jpeg.width, at('jpeg.width'));
    const quality = opts.jpeg.quality ?? SOURCE_DEFAULTS.jpegQuality;
    if (!(quality >= 1 && quality <= 100)) {
      throw new ConfigError(at('jpeg.quality'), `expected 1..100, got ${quality}`);
    }
    jpeg = Object.freeze({ width: opts.jpeg.width, quality });
  }
  const source = parseSourceUrl(opts.url);
  return Object.freeze({
    streamId: opts.streamId,
    url: opts.url,
    source,
    width: opts.width,
    height: opts.height,
    resize: opts.resize,
    padAlign: opts.padAlign,
    fps: opts.fps,
    live: opts.live ?? source.liveByDefault,
    loop: opts.loop ?? false,
    realtime: opts.realtime ?? source.kind === 'lavfi',
    rtspTransport: transport,
    connectTimeoutMs,
    readTimeoutMs,
    jpeg,
  });
}

function positiveInt(v: number, path: string): void {
  if (!Number.isInteger(v) || v <= 0) {
    throw new ConfigError(path, `expected a positive integer, got ${String(v)}`);
  }
}
