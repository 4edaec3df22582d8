/**
 * The video layer's public face: ffmpeg discovery, one Observable of frames per source, and
 * supervised sources that restart themselves. Nothing here knows about models.
 */
export { findFfmpeg, resolveFfmpeg, type FindFfmpegOptions } from './find-ffmpeg.js';
export { ffmpegFrames, type FfmpegRunHooks, type VideoFrame } from './ffmpeg-source.js';
export { SOURCE_DEFAULTS, resolveSourceOptions, type VideoSourceOptions, type ResolvedSourceOptions } from './source-options.js';
export { superviseSource, SUPERVISOR_DEFAULTS, type SupervisedSource, type SupervisedSourceOptions } from './supervised-source.js';
export { BACKOFF_DEFAULTS, backoffDelayMs, type BackoffOptions } from './backoff.js';
export { parseSourceUrl, redactUrl, type ParsedSource, type SourceKind } from './source-url.js';
