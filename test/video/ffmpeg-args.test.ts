import { describe, expect, it } from 'vitest';
import { buildFfmpegPlan, jpegQscale } from '../../src/video/ffmpeg.js';
import { resolveSourceOptions, type VideoSourceOptions } from '../../src/video/source-options.js';
import { parseSourceUrl, redactUrl } from '../../src/video/source-url.js';
import { ConfigError, ErrorCodes } from '../../src/errors.js';

const base: VideoSourceOptions = { streamId: 's', url: 'x.mp4', width: 300, height: 200, resize: 'stretch', padAlign: 'center' };
const plan = (o: Partial<VideoSourceOptions>) => buildFfmpegPlan(resolveSourceOptions({ ...base, ...o }));
/** Value after `flag` (first occurrence), or undefined. */
const after = (args: string[], flag: string) => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};
const inputPart = (args: string[]) => args.slice(0, args.indexOf('-i') + 2);

describe('parseSourceUrl', () => {
  it('classifies every supported kind', () => {
    expect(parseSourceUrl('rtsp://cam/1').kind).toBe('rtsp');
    expect(parseSourceUrl('RTSPS://cam/1').kind).toBe('rtsp');
    expect(parseSourceUrl('https://h/live.m3u8').kind).toBe('http');
    expect(parseSourceUrl('/dev/video0')).toEqual({ kind: 'v4l2', input: '/dev/video0', liveByDefault: true });
    expect(parseSourceUrl('lavfi:testsrc2=rate=5')).toEqual({ kind: 'lavfi', input: 'testsrc2=rate=5', liveByDefault: true });
    expect(parseSourceUrl('file:///tmp/a%20b.mp4')).toEqual({ kind: 'file', input: '/tmp/a b.mp4', liveByDefault: false });
    expect(parseSourceUrl('./clip.mp4')).toEqual({ kind: 'file', input: './clip.mp4', liveByDefault: false });
    expect(parseSourceUrl('srt://h:9000').kind).toBe('other');
  });

  it('redacts passwords only', () => {
    expect(redactUrl('rtsp://admin:secret@10.0.0.2:554/s')).toBe('rtsp://admin:***@10.0.0.2:554/s');
    expect(redactUrl('rtsp://10.0.0.2:554/s')).toBe('rtsp://10.0.0.2:554/s');
    expect(redactUrl('/tmp/a:b@c.mp4')).toBe('/tmp/a:b@c.mp4');
  });
});

describe('buildFfmpegPlan', () => {
  it('rtsp: transport, µs socket timeout, low-delay flags, no -re', () => {
    const { args } = plan({ url: 'rtsp://cam/1', readTimeoutMs: 4000 });
    const input = inputPart(args);
    expect(after(input, '-rtsp_transport')).toBe('tcp');
    expect(after(input, '-timeout')).toBe('4000000');
    expect(after(input, '-fflags')).toBe('nobuffer');
    expect(after(input, '-flags')).toBe('low_delay');
    expect(input).toContain('-nostdin');
    expect(input).not.toContain('-re');
    expect(after(input, '-i')).toBe('rtsp://cam/1');
    expect(after(plan({ url: 'rtsp://cam/1', rtspTransport: 'udp' }).args, '-rtsp_transport')).toBe('udp');
  });

  it('http: -timeout and -rw_timeout; files: loop and -re only when asked; lavfi and v4l2 formats', () => {
    const http = inputPart(plan({ url: 'http://h/a.m3u8', readTimeoutMs: 2500 }).args);
    expect(after(http, '-timeout')).toBe('2500000');
    expect(after(http, '-rw_timeout')).toBe('2500000');
    const file = inputPart(plan({ url: 'a b.mp4' }).args);
    expect(file).not.toContain('-re');
    expect(file).not.toContain('-stream_loop');
    expect(file).not.toContain('-fflags');
    expect(after(file, '-i')).toBe('a b.mp4');
    const looped = inputPart(plan({ url: 'a.mp4', loop: true, realtime: true }).args);
    expect(after(looped, '-stream_loop')).toBe('-1');
    expect(looped).toContain('-re');
    const lavfi = inputPart(plan({ url: 'lavfi:testsrc2=size=64x48' }).args);
    expect(after(lavfi, '-f')).toBe('lavfi');
    expect(lavfi).toContain('-re'); // a test pattern plays at its own rate by default
    expect(after(lavfi, '-i')).toBe('testsrc2=size=64x48');
    expect(after(inputPart(plan({ url: '/dev/video2' }).args), '-f')).toBe('v4l2');
  });

  it('filter graph per resize mode, rgb24 on pipe:1, JPEG on pipe:3 paired through split', () => {
    const stretch = plan({});
    expect(after(stretch.args, '-filter_complex')).toBe('[0:v]scale=300:200:flags=bilinear,format=rgb24[m]');
    expect(stretch.frameBytes).toBe(300 * 200 * 3);
    expect(stretch.jpeg).toBe(false);
    expect(stretch.args.at(-1)).toBe('pipe:1');
    expect(after(stretch.args, '-pix_fmt')).toBe('rgb24');

    const center = after(plan({ resize: 'pad' }).args, '-filter_complex');
    expect(center).toContain('scale=300:200:force_original_aspect_ratio=decrease');
    expect(center).toContain('pad=300:200:(ow-iw)/2:(oh-ih)/2:black');
    expect(after(plan({ resize: 'pad', padAlign: 'top-left' }).args, '-filter_complex')).toContain('pad=300:200:0:0:black');

    const both = plan({ fps: 5, jpeg: { width: 160, quality: 100 } });
    const graph = after(both.args, '-filter_complex')!;
    expect(graph.startsWith("[0:v]select='isnan(prev_selected_t)+not(eq(floor(t*5),floor(prev_selected_t*5)))',split=2[a][b];")).toBe(true);
    expect(graph).toContain('[b]scale=160:-2[j]');
    expect(both.jpeg).toBe(true);
    expect(both.args.at(-1)).toBe('pipe:3');
    expect(after(both.args, '-q:v')).toBe('2');
    // Neither output may drop or duplicate frames, or the pairing by index breaks.
    expect(both.args.filter((a) => a === 'passthrough')).toHaveLength(2);
  });

  it('maps JPEG quality onto the mjpeg qscale', () => {
    expect(jpegQscale(100)).toBe(2);
    expect(jpegQscale(1)).toBe(31);
    expect(jpegQscale(75)).toBeGreaterThan(2);
    expect(jpegQscale(75)).toBeLessThan(jpegQscale(50));
  });

  it('rejects bad options with the key at fault', () => {
    const bad = (o: Partial<VideoSourceOptions>) => {
      try {
        resolveSourceOptions({ ...base, ...o });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).code).toBe(ErrorCodes.CONFIG_INVALID);
        return (e as ConfigError).path;
      }
      throw new Error('accepted');
    };
    expect(bad({ width: 0 })).toBe('sources.s.width');
    expect(bad({ fps: -1 })).toBe('sources.s.fps');
    expect(bad({ resize: 'crop' as 'pad' })).toBe('sources.s.resize');
    expect(bad({ jpeg: { quality: 0 } })).toBe('sources.s.jpeg.quality');
    expect(bad({ rtspTransport: 'http' as 'tcp' })).toBe('sources.s.rtspTransport');
  });
});
