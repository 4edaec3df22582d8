/**
 * Splits a concatenated MJPEG byte stream (ffmpeg's `image2pipe`) into single JPEG files.
 *
 * Searching for the bytes `FF D9` alone is not safe: table segments (DQT, DHT) may contain them
 * as data. So the splitter walks the marker segments by their lengths up to SOS, and only in
 * entropy-coded data looks for markers, where a literal `FF` is always stuffed as `FF 00` and
 * restart markers are `FF D0..D7` (ITU T.81, B.1.1.5 and F.1.2.3). `indexOf` jumps between
 * `FF` bytes natively, so no JavaScript runs per byte.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

type Phase = 'soi' | 'segments' | 'entropy';

/** Pushes pipe chunks in, gets whole JPEGs out through `onImage`. */
export class JpegSplitter {
  /** Growable accumulation buffer; bytes [0, len) are unconsumed input. */
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  /** Scan position inside `buf`. */
  private pos = 0;
  private phase: Phase = 'soi';

  /** @param onImage called once per complete JPEG; the array is owned by the receiver */
  constructor(private readonly onImage: (jpeg: Uint8Array) => void) {}

  /** Bytes held for an incomplete image. */
  get pendingBytes(): number {
    return this.len;
  }

  /** Consumes one chunk; calls `onImage` for every image it completes. */
  push(chunk: Buffer): void {
    this.append(chunk);
    for (;;) {
      const end = this.scan();
      if (end < 0) return;
      const image = new Uint8Array(end);
      this.buf.copy(image, 0, 0, end);
      // Shift the rest to the front; it is at most one chunk, so this stays cheap.
      this.buf.copyWithin(0, end, this.len);
      this.len -= end;
      this.pos = 0;
      this.phase = 'soi';
      this.onImage(image);
    }
  }

  /** Advances the scan; returns the end offset of a complete image, or -1 when more input is needed. */
  private scan(): number {
    const b = this.buf;
    for (;;) {
      if (this.phase === 'soi') {
        // Skip anything before SOI (there should be nothing; resynchronises after garbage).
        const i = b.indexOf(0xff, this.pos);
        if (i < 0 || i >= this.len) {
          this.drop(this.len);
          return -1;
        }
        if (i + 1 >= this.len) {
          this.drop(i);
          return -1;
        }
        if (b[i + 1] !== SOI) {
          this.pos = i + 1;
          continue;
        }
        this.drop(i);
        this.pos = 2;
        this.phase = 'segments';
      } else if (this.phase === 'segments') {
        if (this.pos + 2 > this.len) return -1;
        if (b[this.pos] !== 0xff) {
          // Corrupt header: resynchronise on the next SOI.
          this.phase = 'soi';
          continue;
        }
        const marker = b[this.pos + 1];
        if (marker === 0xff) {
          this.pos += 1; // fill byte
          continue;
        }
        if (marker === EOI) return this.pos + 2;
        if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
          this.pos += 2; // markers without a length field
          continue;
        }
        if (this.pos + 4 > this.len) return -1;
        const segLen = b.readUInt16BE(this.pos + 2);
        if (this.pos + 2 + segLen > this.len) return -1;
        this.pos += 2 + segLen;
        if (marker === SOS) this.phase = 'entropy';
      } else {
        const i = b.indexOf(0xff, this.pos);
        if (i < 0 || i >= this.len) {
          this.pos = this.len;
          return -1;
        }
        if (i + 1 >= this.len) {
          this.pos = i;
          return -1;
        }
        const next = b[i + 1];
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
          this.pos = i + (next === 0xff ? 1 : 2);
          continue;
        }
        // A real marker: EOI ends the image; anything else (progressive scans) is a segment.
        this.pos = i;
        this.phase = 'segments';
      }
    }
  }

  /** Discards the first `n` unconsumed bytes. */
  private drop(n: number): void {
    if (n <= 0) return;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.pos = 0;
  }

  private append(chunk: Buffer): void {
    if (this.len + chunk.length > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.len + chunk.length) cap *= 2;
      const grown = Buffer.allocUnsafe(cap);
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.len);
    this.len += chunk.length;
  }
}
