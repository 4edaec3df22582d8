/**
 * Reads ffmpeg's stderr: finds the input video size in the stream info it prints before the
 * first frame, keeps the last lines for error messages, and turns a failed run into a message
 * a user can act on ("x.txt: not a video", "cannot reach rtsp://cam: Connection refused").
 */
import { redactUrl, type ParsedSource } from './source-url.js';

/** Lines kept for error messages. */
const TAIL_LINES = 8;

/** Lines that say nothing about a failure and would push useful ones out of the tail. */
const NOISE = [/deprecated pixel format used/, /^\s*(Metadata|encoder|Side data|cpb):/, /^\s+\w+\s*:\s/];

/**
 * Demuxers that turn non-video files into pictures. ffmpeg's `tty` demuxer renders any `.txt`
 * as ANSI art, so without this a text file would "play" instead of being rejected.
 */
export const NON_VIDEO_FORMATS: ReadonlySet<string> = new Set(['tty', 'bin', 'adf', 'idf', 'xbin']);

/** Callbacks for what the stream info reveals. */
export interface FfmpegLogEvents {
  /** The first video stream of input #0 has this size. */
  onSourceSize(width: number, height: number): void;
  /** Input #0 was opened with this demuxer (`mov,mp4,m4a,...`, `rtsp`, `tty` ...). */
  onInputFormat?(format: string): void;
}

/** Consumes stderr chunks; reports the input size once and keeps the tail. */
export class FfmpegLog {
  private partial = '';
  private readonly tail: string[] = [];
  /** 'input' while ffmpeg prints the `Input #0` block, 'after' once outputs start. */
  private section: 'before' | 'input' | 'after' = 'before';
  private size: { width: number; height: number } | undefined;

  constructor(private readonly events: FfmpegLogEvents) {}

  /** Source size once parsed. */
  get sourceSize(): { width: number; height: number } | undefined {
    return this.size;
  }

  /** Last meaningful stderr lines, oldest first. */
  get lastLines(): string[] {
    return this.partial.trim() ? [...this.tail, this.partial.trim()].slice(-TAIL_LINES) : [...this.tail];
  }

  /** Sets the size when ffmpeg never printed one (without calling `onSourceSize`). */
  assumeSourceSize(width: number, height: number): void {
    this.size ??= { width, height };
  }

  /** Consumes one stderr chunk. */
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split(/\r?\n|\r/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (!line.trim()) return;
    const input = /^Input #0, (.+?), from /.exec(line);
    if (input) {
      this.section = 'input';
      this.events.onInputFormat?.(input[1]);
    }
    else if (/^(Output #|Stream mapping:|Input #[1-9])/.test(line)) this.section = 'after';
    else if (this.section === 'input' && !this.size) {
      // "  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive),
      //  1280x720 [SAR 1:1 DAR 16:9], 25 fps" — the size is the first ", WxH" after "Video:".
      const m = /Stream #0:\d+.*?: Video: .*?, (\d+)x(\d+)/.exec(line);
      if (m) {
        this.size = { width: Number(m[1]), height: Number(m[2]) };
        this.events.onSourceSize(this.size.width, this.size.height);
      }
    }
    if (NOISE.some((re) => re.test(line))) return;
    this.tail.push(line.trim());
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }
}

/** Why a run failed, for the SOURCE_FAILED message (without the `stream <id>:` prefix). */
export function describeFailure(
  source: ParsedSource,
  url: string,
  lines: string[],
  exit: { code: number | null; signal: NodeJS.Signals | null },
): string {
  const shown = source.kind === 'file' ? source.input : redactUrl(url);
  // ffmpeg prefixes input errors with the input name; drop it, the message names it already.
  const strip = (line: string) => {
    // "[tcp @ 0x55d1...] Connection ..." — the component address is noise for a user.
    const l = line.replace(/^\[[\w:.,-]+ @ 0x[0-9a-f]+\]\s*/i, '');
    return l.startsWith(source.input + ':') ? l.slice(source.input.length + 1).trim() : l;
  };
  const find = (re: RegExp) => lines.find((l) => re.test(l));
  const invalid =
    find(/Invalid data found when processing input/i) ??
    find(/could not find codec parameters|moov atom not found/i);
  if (invalid) return `${shown}: not a video (ffmpeg: ${strip(invalid)})`;
  const missing = find(/No such file or directory/i);
  if (missing && source.kind === 'file') return `${shown}: file not found`;
  const unreachable = find(
    /Connection refused|Connection timed out|timed out|Name or service not known|No route to host|Network is unreachable|Server returned [45]\d\d|Failed to resolve hostname|method (DESCRIBE|SETUP|OPTIONS) failed|I\/O error|End of file/i,
  );
  if (unreachable) {
    // "Connection to tcp://h:554?timeout=10000000 failed: Connection refused" → the reason.
    const reason = strip(unreachable).replace(/^Connection to \S+ failed: /, '');
    return `cannot reach ${shown}: ${reason}`;
  }
  const noVideo = find(/matches no streams|does not contain any stream|Stream specifier .* matches no streams/i);
  if (noVideo) return `${shown}: no video stream (ffmpeg: ${strip(noVideo)})`;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const last = lines.slice(-3).map(strip).join(' | ');
  return `${shown}: ffmpeg ${how}${last ? ` (ffmpeg: ${last})` : ''}`;
}
