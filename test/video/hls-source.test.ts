/** An HLS playlist served over real HTTP, read through ffmpegFrames. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegFrames } from '../../src/video/ffmpeg-source.js';
import { makeTestVideo } from '../helpers/make-video.js';

describe('ffmpegFrames on HLS', () => {
  let server: Server;
  let base = '';
  const requested: string[] = [];
  beforeAll(async () => {
    const clip = await makeTestVideo({ width: 160, height: 120, fps: 15, seconds: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'ssds-hls-'));
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-i', clip, '-c', 'copy', '-f', 'hls',
      '-hls_time', '1', '-hls_list_size', '0', '-hls_playlist_type', 'vod', join(dir, 'live.m3u8'),
    ]);
    server = createServer((req, res) => {
      const name = (req.url ?? '/').slice(1);
      requested.push(name);
      try {
        const body = readFileSync(join(dir, name.replace(/[^\w.-]/g, '')));
        res.writeHead(200, { 'Content-Type': name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('reads every segment of a VOD playlist and completes', async () => {
    const frames = await lastValueFrom(
      ffmpegFrames({ streamId: 'hls', url: `${base}/live.m3u8`, live: false, width: 40, height: 30, resize: 'stretch', padAlign: 'center' }).pipe(toArray()),
    );
    expect(frames).toHaveLength(30);
    expect(frames[0].sourceWidth).toBe(160);
    expect(requested.filter((r) => r.endsWith('.ts')).length).toBeGreaterThanOrEqual(2);
  });
});
