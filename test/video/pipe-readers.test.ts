import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JpegSplitter } from '../../src/video/jpeg-splitter.js';
import { RawFrameReader } from '../../src/video/raw-frame-reader.js';

/** Cuts `buf` into chunks of pseudo-random sizes in [1, max]. */
function chunks(buf: Buffer, max: number, seed = 7): Buffer[] {
  const out: Buffer[] = [];
  let s = seed;
  for (let i = 0; i < buf.length; ) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (s % max);
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('RawFrameReader', () => {
  it('reassembles exact frames whatever the chunking, each in its own ArrayBuffer', () => {
    const frameBytes = 4 * 3 * 3; // 4×3 rgb24
    const stream = Buffer.alloc(frameBytes * 5 + 7);
    for (let i = 0; i < stream.length; i++) stream[i] = i & 0xff;
    for (const max of [1, 5, 36, 37, 200]) {
      const frames: Uint8Array[] = [];
      const r = new RawFrameReader(frameBytes, (f) => frames.push(f));
      for (const c of chunks(stream, max)) r.push(c);
      expect(frames).toHaveLength(5);
      expect(r.pendingBytes).toBe(7);
      frames.forEach((f, k) => {
        expect(f.byteLength).toBe(frameBytes);
        expect(f.buffer.byteLength).toBe(frameBytes); // transferable without side effects
        expect(Buffer.from(f).equals(stream.subarray(k * frameBytes, (k + 1) * frameBytes))).toBe(true);
      });
    }
  });
});

/** A minimal well-formed JPEG-like byte sequence whose DQT holds the bytes FF D9 as table data. */
function trickyJpeg(payload: number[]): Buffer {
  const dqt = [0xff, 0xdb, 0x00, 0x07, 0x00, 0xff, 0xd9, 0x10, 0x20];
  const sos = [0xff, 0xda, 0x00, 0x04, 0x01, 0x00];
  // Entropy data: stuffed FF 00 and a restart marker FF D0 must not end the image.
  const entropy = [...payload, 0xff, 0x00, 0x12, 0xff, 0xd0, 0x34];
  return Buffer.from([0xff, 0xd8, ...dqt, ...sos, ...entropy, 0xff, 0xd9]);
}

describe('JpegSplitter', () => {
  it('splits on the real EOI only (not FF D9 inside tables, stuffed bytes or RST markers)', () => {
    const a = trickyJpeg([1, 2, 3]);
    const b = trickyJpeg([9, 8]);
    const stream = Buffer.concat([a, b, a]);
    for (const max of [1, 2, 3, 11, 1000]) {
      const got: Uint8Array[] = [];
      const s = new JpegSplitter((j) => got.push(j));
      for (const c of chunks(stream, max)) s.push(c);
      expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual([a, b, a].map((x) => x.toString('hex')));
      expect(s.pendingBytes).toBe(0);
    }
  });

  it('splits real ffmpeg MJPEG output into decodable images', () => {
    const mjpeg = execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=10',
      '-frames:v', '12', '-c:v', 'mjpeg', '-q:v', '2', '-f', 'image2pipe', 'pipe:1',
    ]);
    const got: Uint8Array[] = [];
    const s = new JpegSplitter((j) => got.push(j));
    for (const c of chunks(mjpeg, 4096)) s.push(c);
    expect(got).toHaveLength(12);
    expect(got.reduce((n, g) => n + g.length, 0)).toBe(mjpeg.length);
    for (const g of got) {
      expect([g[0], g[1], g[g.length - 2], g[g.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    }
  });
});
