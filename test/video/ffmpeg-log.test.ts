import { describe, expect, it } from 'vitest';
import { FfmpegLog, describeFailure } from '../../src/video/ffmpeg-log.js';
import { parseSourceUrl } from '../../src/video/source-url.js';

// Real ffmpeg 5.1 stderr of an MP4 input (the output block must not be mistaken for the input).
const MP4_STDERR = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':
  Metadata:
    major_brand     : isom
  Duration: 00:00:02.00, start: 0.000000, bitrate: 40 kb/s
  Stream #0:0[0x1](und): Video: h264 (High 4:4:4 Predictive) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 36 kb/s, 15 fps, 15 tbr, 15360 tbn (default)
Stream mapping:
  Stream #0:0 (h264) -> select:default
Output #0, rawvideo, to 'pipe:1':
  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/unknown/unknown, progressive), 300x300, q=2-31, 32400 kb/s, 15 fps, 15 tbn
`;

describe('FfmpegLog', () => {
  it('finds the input size and format across chunk boundaries, ignoring output streams', () => {
    const sizes: number[][] = [];
    const formats: string[] = [];
    const log = new FfmpegLog({ onSourceSize: (w, h) => sizes.push([w, h]), onInputFormat: (f) => formats.push(f) });
    for (let i = 0; i < MP4_STDERR.length; i += 7) log.push(MP4_STDERR.slice(i, i + 7));
    expect(sizes).toEqual([[1280, 720]]);
    expect(formats).toEqual(['mov,mp4,m4a,3gp,3g2,mj2']);
    expect(log.sourceSize).toEqual({ width: 1280, height: 720 });
    // Metadata noise is not kept for error messages.
    expect(log.lastLines.some((l) => l.includes('major_brand'))).toBe(false);
  });

  it('keeps only the last lines', () => {
    const log = new FfmpegLog({ onSourceSize: () => {} });
    for (let i = 0; i < 20; i++) log.push(`[x @ 0x1] line ${i}\n`);
    expect(log.lastLines).toHaveLength(8);
    expect(log.lastLines.at(-1)).toBe('[x @ 0x1] line 19');
  });
});

describe('describeFailure', () => {
  const exit = { code: 1, signal: null };
  it('names the file, the unreachable URL (redacted) or the exit, from ffmpeg lines', () => {
    const file = parseSourceUrl('/v/a.mp4');
    expect(describeFailure(file, '/v/a.mp4', ['/v/a.mp4: Invalid data found when processing input'], exit)).toBe(
      '/v/a.mp4: not a video (ffmpeg: Invalid data found when processing input)',
    );
    const http = parseSourceUrl('http://u:p@cam/x.mjpg');
    expect(describeFailure(http, 'http://u:p@cam/x.mjpg', ['[http @ 0x55aa] HTTP error 404 Not Found', 'http://u:p@cam/x.mjpg: Server returned 404 Not Found'], exit)).toBe(
      'cannot reach http://u:***@cam/x.mjpg: Server returned 404 Not Found',
    );
    const odd = describeFailure(file, '/v/a.mp4', ['something odd', 'and more'], { code: null, signal: 'SIGSEGV' });
    expect(odd).toBe('/v/a.mp4: ffmpeg was killed by SIGSEGV (ffmpeg: something odd | and more)');
    expect(describeFailure(file, '/v/a.mp4', ['Stream map \'0:v\' matches no streams.'], exit)).toMatch(/^\/v\/a\.mp4: no video stream/);
  });
});
