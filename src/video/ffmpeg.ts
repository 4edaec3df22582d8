/**
 * The one place `fluent-ffmpeg` is used (DESIGN decision 7): it builds the argument list of a
 * source's ffmpeg run. We spawn the process ourselves because the JPEG output needs a third
 * pipe (fd 3), which fluent-ffmpeg cannot give us.
 *
 * One decode feeds a `split` filter: branch `[m]` is scaled to the model size as `rgb24` on
 * fd 1, branch `[j]` is a display-size MJPEG stream on fd 3. Both branches see exactly the same
 * frames and the muxers neither drop nor duplicate (`-fps_mode passthrough`), so the n-th JPEG
 * belongs to the n-th rgb frame.
 */
import ffmpeg from 'fluent-ffmpeg';
import type { ResolvedSourceOptions } from './source-options.js';
import { SOURCE_DEFAULTS } from './source-options.js';

/** How much of an RTSP stream ffmpeg analyses before the first frame. */
const RTSP_ANALYZE_US = 500_000; // µs

/** File descriptor of the JPEG pipe in the child's stdio. */
export const JPEG_FD = 3;

/** What the caller needs to spawn ffmpeg and read its pipes. */
export interface FfmpegPlan {
  /** Arguments after the binary name. */
  args: string[];
  /** Bytes of one rgb24 frame on fd 1 (`width * height * 3`). */
  frameBytes: number;
  /** True when fd 3 carries the paired JPEG stream. */
  jpeg: boolean;
}

/** Builds the ffmpeg arguments for one source. Pure: no process is started. */
export function buildFfmpegPlan(o: ResolvedSourceOptions): FfmpegPlan {
  const cmd = ffmpeg();
  cmd.input(o.source.input);
  // Multiple arguments make fluent-ffmpeg take each one verbatim (one array gets split on
  // spaces, which would break paths and filter expressions).
  cmd.inputOptions(...inputArgs(o));
  cmd.complexFilter(filterGraph(o));
  cmd.output('pipe:1');
  cmd.outputOptions(
    '-map', '[m]',
    '-an', '-sn', '-dn',
    '-f', 'rawvideo',
    '-pix_fmt', 'rgb24',
    '-fps_mode', 'passthrough',
    // Write each frame through to the pipe at once instead of filling avio's 32 KiB buffer.
    '-flush_packets', '1',
  );
  if (o.jpeg) {
    cmd.output(`pipe:${JPEG_FD}`);
    cmd.outputOptions(
      '-map', '[j]',
      '-an', '-sn', '-dn',
      '-c:v', 'mjpeg',
      '-q:v', String(jpegQscale(o.jpeg.quality)),
      '-f', 'image2pipe',
      '-fps_mode', 'passthrough',
      '-flush_packets', '1',
    );
  }
  const args = (cmd as unknown as { _getArguments(): string[] })._getArguments();
  return { args, frameBytes: o.width * o.height * 3, jpeg: Boolean(o.jpeg) };
}

/** Global and input options, in order, ending just before `-i`. */
function inputArgs(o: ResolvedSourceOptions): string[] {
  // Global options first: no banner/progress noise, and info level because the input stream
  // line ("Video: h264 ..., 1280x720") is where the source size comes from.
  const a = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  const net = o.source.kind === 'rtsp' || o.source.kind === 'http' || o.source.kind === 'other';
  if (o.live && (net || o.source.kind === 'v4l2')) {
    // Hand packets to the decoder as they arrive: latency matters more than smoothness.
    a.push('-fflags', 'nobuffer', '-flags', 'low_delay');
  }
  if (o.live) {
    // Frame threading holds back (threads - 1) decoded frames, i.e. latency on a live stream
    // and the last frames before a stall; slice threading has no such delay.
    a.push('-thread_type', 'slice');
  }
  const readUs = String(o.readTimeoutMs * 1000);
  switch (o.source.kind) {
    case 'rtsp':
      // ffmpeg 5.x renamed `-stimeout` to `-timeout` (socket I/O, µs; also bounds the connect).
      a.push('-rtsp_transport', o.rtspTransport, '-timeout', readUs);
      // The SDP usually carries SPS/PPS; probing 5 s of stream (the default) only delays the
      // first frame by seconds. Half a second still finds the size when the SDP lacks it.
      a.push('-analyzeduration', String(RTSP_ANALYZE_US));
      break;
    case 'http':
      // http's `-timeout` (µs) covers connect and reads; `-rw_timeout` also reaches the nested
      // HTTP requests HLS makes for segments.
      a.push('-timeout', readUs, '-rw_timeout', readUs);
      break;
    case 'other':
      a.push('-rw_timeout', readUs);
      break;
    case 'v4l2':
      a.push('-f', 'v4l2');
      break;
    case 'lavfi':
      a.push('-f', 'lavfi');
      break;
    case 'file':
      if (o.loop) a.push('-stream_loop', '-1');
      break;
  }
  if (o.realtime && (o.source.kind === 'file' || o.source.kind === 'lavfi')) a.push('-re');
  return a;
}

/** `[0:v]` → optional decimation → split → `[m]` model branch and `[j]` JPEG branch. */
function filterGraph(o: ResolvedSourceOptions): string {
  const head: string[] = [];
  if (o.fps !== undefined) head.push(decimateFilter(o.fps));
  const model = modelScale(o);
  const chain = (...f: string[]) => (f.length ? f.join(',') : 'null');
  if (!o.jpeg) return `[0:v]${chain(...head, ...model)}[m]`;
  const jw = o.jpeg.width ?? `'min(${SOURCE_DEFAULTS.jpegMaxWidth},iw)'`;
  // -2: keep the aspect ratio with an even height, which the 4:2:0 JPEG encoder needs.
  return (
    `[0:v]${chain(...head, 'split=2')}[a][b];` +
    `[a]${chain(...model)}[m];` +
    `[b]scale=${jw}:-2[j]`
  );
}

/**
 * At most one frame per `1/fps` time bucket. Unlike the `fps` filter this never duplicates
 * frames when the source is slower than `fps`; `not(eq)` (not `gt`) lets a looping file whose
 * timestamps jump back keep producing frames.
 */
function decimateFilter(fps: number): string {
  const f = String(fps);
  return `select='isnan(prev_selected_t)+not(eq(floor(t*${f}),floor(prev_selected_t*${f})))'`;
}

/** Scale (and pad) to the model size; `format=rgb24` before `pad` so odd offsets stay exact. */
function modelScale(o: ResolvedSourceOptions): string[] {
  const { width: w, height: h } = o;
  if (o.resize === 'stretch') return [`scale=${w}:${h}:flags=bilinear`, 'format=rgb24'];
  const [x, y] = o.padAlign === 'center' ? ['(ow-iw)/2', '(oh-ih)/2'] : ['0', '0'];
  return [
    `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=bilinear`,
    'format=rgb24',
    `pad=${w}:${h}:${x}:${y}:black`,
  ];
}

/** JPEG quality 1..100 (higher is better) → ffmpeg's mjpeg qscale 31..2 (lower is better). */
export function jpegQscale(quality: number): number {
  return Math.round(31 - ((quality - 1) * 29) / 99);
}
