/**
 * Runs face-api's own `SsdMobilenetv1` (the reference for the default model) in Node with
 * `@tensorflow/tfjs` on the wasm backend — face-api's `node-wasm` build needs no tfjs-node.
 * Results are cached per input under `test/.cache/face-api-reference/` because one run takes
 * about a second on this machine.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import sharp from 'sharp';
import { projectPath } from '../../src/util/project-root.js';

/** One face as face-api reports it, box xyxy normalised to the picture it was given. */
export interface ReferenceFace {
  score: number;
  box: [number, number, number, number];
}

/** Raw RGB pixels. */
export interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

const require = createRequire(import.meta.url);
const CACHE_DIR = projectPath('test', '.cache', 'face-api-reference');

/** Decodes an image file to RGB with sharp. */
export async function decodeRgb(file: string): Promise<Rgb> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** The few tfjs calls used here (tfjs is loaded with require, as face-api's node build does). */
interface Tfjs {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(data: Int32Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
}

/** The slice of face-api's API the reference needs. */
interface FaceApi {
  nets: {
    ssdMobilenetv1: {
      loadFromDisk(dir: string): Promise<void>;
      locateFaces(input: unknown, options: unknown): Promise<{ score: number; relativeBox: { x: number; y: number; width: number; height: number } }[]>;
    };
  };
  SsdMobilenetv1Options: new (o: { minConfidence: number }) => unknown;
}

// Loaded once per test file: tfjs, the wasm backend, face-api and its weights.
let faceapiPromise: Promise<{ tf: Tfjs; faceapi: FaceApi }> | undefined;

function loadFaceApi(): Promise<{ tf: Tfjs; faceapi: FaceApi }> {
  faceapiPromise ??= (async () => {
    const tf = require('@tensorflow/tfjs') as Tfjs;
    require('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    await tf.ready();
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    const pkg = require.resolve('@vladmandic/face-api/package.json');
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(join(pkg, '..', 'model'));
    return { tf, faceapi };
  })();
  return faceapiPromise;
}

/**
 * face-api's detections for RGB pixels (face-api pads and resizes them itself), at
 * `minConfidence`, boxes clipped to the picture.
 */
export async function faceApiDetect(img: Rgb, minConfidence: number): Promise<ReferenceFace[]> {
  const key = createHash('sha256')
    .update(img.data)
    .update(`${img.width}x${img.height}@${minConfidence}`)
    .update(require('@vladmandic/face-api/package.json').version)
    .digest('hex')
    .slice(0, 24);
  const file = join(CACHE_DIR, `${key}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ReferenceFace[];
  const { tf, faceapi } = await loadFaceApi();
  const t = tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
  try {
    const dets = await faceapi.nets.ssdMobilenetv1.locateFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence }));
    const clip = (v: number): number => Math.min(1, Math.max(0, v));
    const faces: ReferenceFace[] = dets.map((d) => {
      const r = d.relativeBox;
      return { score: d.score, box: [clip(r.x), clip(r.y), clip(r.x + r.width), clip(r.y + r.height)] };
    });
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify(faces));
    return faces;
  } finally {
    t.dispose();
  }
}
