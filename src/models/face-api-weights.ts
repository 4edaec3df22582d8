/**
 * Reads tfjs "weights manifest" models as face-api ships them: a JSON manifest listing tensors
 * (name, shape, dtype, optional quantisation) and `.bin` shards holding them back to back.
 * Quantised entries store uint8 (or uint16) codes `q` with `value = q * scale + min`
 * (tfjs-converter's affine quantisation); int32 entries (TF graph constants) are quantised the
 * same way and are kept as integers.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCodes, SsdsError } from '../errors.js';

/** One tensor of a tfjs weights manifest, dequantised. */
export interface TfjsWeight {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { scale?: number; min?: number; dtype: string; original_dtype?: string };
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

const BYTES: Record<string, number> = { uint8: 1, uint16: 2, float32: 4, int32: 4 };

function fail(file: string, why: string, cause?: unknown): never {
  throw new SsdsError(ErrorCodes.FILE_INVALID, `${file}: ${why}`, { cause });
}

/**
 * Reads every tensor of a tfjs weights manifest (`*-weights_manifest.json`) and its shards from
 * the manifest's folder. Throws `SSDS_ERR_FILE_NOT_FOUND` / `SSDS_ERR_FILE_INVALID` naming the
 * file at fault.
 */
export function readTfjsWeights(manifestPath: string): Map<string, TfjsWeight> {
  let groups: ManifestGroup[];
  try {
    groups = JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestGroup[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `${manifestPath}: weights manifest not found (is @vladmandic/face-api installed?)`, { cause: e });
    }
    fail(manifestPath, 'not a tfjs weights manifest', e);
  }
  if (!Array.isArray(groups)) fail(manifestPath, 'not a tfjs weights manifest (expected an array of groups)');
  const out = new Map<string, TfjsWeight>();
  for (const group of groups) {
    // Shards of a group are one byte stream split into files.
    const shards = group.paths.map((p) => {
      const f = join(dirname(manifestPath), p);
      try {
        return readFileSync(f);
      } catch (e) {
        throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `${f}: weights shard not found`, { cause: e });
      }
    });
    const buf = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const storage = q ? q.dtype : w.dtype;
      const size = BYTES[storage];
      if (!size) fail(manifestPath, `tensor ${w.name}: unsupported storage type ${storage}`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32') fail(manifestPath, `tensor ${w.name}: unsupported dtype ${w.dtype}`);
      if (offset + count * size > buf.length) fail(manifestPath, `tensor ${w.name}: shards end before its data`);
      const data = w.dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
      if (q) {
        if (storage !== 'uint8' && storage !== 'uint16') fail(manifestPath, `tensor ${w.name}: unsupported quantisation ${storage}`);
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        for (let i = 0; i < count; i++) {
          const code = size === 1 ? buf[offset + i] : buf.readUInt16LE(offset + 2 * i);
          const v = code * scale + min;
          data[i] = w.dtype === 'int32' ? Math.round(v) : v;
        }
      } else if (w.dtype === 'float32') {
        for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(offset + 4 * i);
      } else {
        for (let i = 0; i < count; i++) data[i] = buf.readInt32LE(offset + 4 * i);
      }
      offset += count * size;
      out.set(w.name, { shape: w.shape, dtype: w.dtype, data });
    }
    if (offset !== buf.length) fail(manifestPath, `${buf.length - offset} bytes left over after the last tensor`);
  }
  return out;
}
