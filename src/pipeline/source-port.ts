/**
 * The runtime's source port bound to `src/video`'s supervised ffmpeg source: config keys of a
 * `sources[]` entry become video options, `demo:` URLs become lavfi graphs.
 */
import { map } from 'rxjs';
import { superviseSource } from '../video/supervised-source.js';
import { toVideoUrl } from './demo-sources.js';
import { isLocalFile } from './config-loader.js';
import type { ResolvedSource } from './config-schema.js';
import type { InputGeometry, SourceHandle } from './runtime-ports.js';

/** Starts a supervised ffmpeg source producing frames of the model's input geometry. */
export function openSupervisedSource(src: ResolvedSource, input: InputGeometry): SourceHandle {
  const sup = superviseSource({
    streamId: src.id,
    url: toVideoUrl(src.url, `sources.${src.id}.url`),
    width: input.width,
    height: input.height,
    resize: input.resize,
    padAlign: input.padAlign,
    fps: src.fps ?? undefined,
    live: src.live,
    loop: src.loop,
    realtime: src.realtime,
    rtspTransport: src.rtspTransport,
    connectTimeoutMs: src.timeouts.connectMs,
    readTimeoutMs: src.timeouts.readMs,
    stallTimeoutMs: src.timeouts.stallMs,
    // A file played like a camera (`live`) still ends: that is the end of the stream, not a
    // failure to retry (`loop: true` makes ffmpeg itself start again).
    restartOnEnd: !isLocalFile(src.url),
    backoff: src.backoff,
    jpeg: src.jpeg.enabled ? { width: src.jpeg.width, quality: src.jpeg.quality } : false,
  });
  // Started before anyone subscribes to state$ so its first value is `connecting`, not the
  // pre-start `stopped`; frames come from a child process, so none can be missed meanwhile.
  sup.start();
  return {
    frames$: sup.frames$,
    state$: sup.state$.pipe(map((state) => ({ state, error: sup.lastError, reconnects: sup.reconnects }))),
    pause: () => sup.pause(),
    resume: () => sup.resume(),
    stop: () => sup.stop(),
  };
}

