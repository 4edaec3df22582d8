/**
 * Test models for the inference tests, made by the python scripts in test/fixtures/models/ with
 * Debian's python3-onnx / python3-torchvision, cached under test/.cache/inference/ keyed by the
 * script's content so an edited script rebuilds them. Also deterministic test pictures.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.SSDS_PYTHON ?? '/usr/bin/python3';
const SCRIPTS = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
export const CACHE_DIR = fileURLToPath(new URL('../.cache/inference/', import.meta.url));

/** True when `python3 -c "import <mods>"` succeeds. */
export function pythonHas(...mods: string[]): boolean {
  if (!existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', mods.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' });
  return r.status === 0;
}

function scriptDir(script: string): string {
  const hash = createHash('sha256').update(readFileSync(join(SCRIPTS, script))).digest('hex').slice(0, 12);
  return join(CACHE_DIR, `${script.replace(/\.py$/, '')}-${hash}`);
}

function runPython(script: string, args: string[]): string {
  return execFileSync(PYTHON, [join(SCRIPTS, script), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  });
}

/** Path of a synthetic-layout model (`tf-od`, `tf-od-fixed`, `ssd-stream`, `zoo-ssd`, `unknown`). */
export function syntheticModel(kind: 'tf-od' | 'tf-od-fixed' | 'ssd-stream' | 'zoo-ssd' | 'unknown'): string {
  const dir = scriptDir('synthetic_layouts.py');
  const out = join(dir, `${kind}.onnx`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const args = kind === 'tf-od-fixed' ? ['tf-od', '--fixed'] : [kind];
  runPython('synthetic_layouts.py', [...args, '--out', tmp]);
  renameSync(tmp, out);
  return out;
}

/** Constants the synthetic graphs compute with (printed by the script itself). */
export interface SyntheticConstants {
  tf: { scores: number[]; boxes: number[][]; boxDelta: number[][]; classes: number[] };
  ssdStream: {
    boxes: number[][];
    boxDelta: number[][];
    scores: number[][];
    scoreDelta: number[][];
    spec: { labels: string[]; input: { width: number; height: number }; postprocess: Record<string, number> };
  };
  zoo: { boxes: number[][]; scores: number[]; labels: number[] };
}

/** The constants of synthetic_layouts.py. */
export function syntheticConstants(): SyntheticConstants {
  return JSON.parse(runPython('synthetic_layouts.py', ['constants'])) as SyntheticConstants;
}

/** Directory with the torchvision SSDlite320 exports (raw, post-processed, sidecar, weights). */
export function torchvisionModels(): string {
  const dir = scriptDir('torchvision_ssdlite.py');
  if (existsSync(join(dir, 'done'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  runPython('torchvision_ssdlite.py', ['export', '--out', dir]);
  writeFileSync(join(dir, 'done'), '');
  return dir;
}

/** One torchvision reference detection: box normalised xyxy, COCO label id. */
export interface ReferenceDetection {
  box: [number, number, number, number];
  score: number;
  label: number;
}

/** torchvision's own eager output (transform + heads + postprocess) for `pictures`. */
export function torchvisionReference(dir: string, pictures: Uint8Array[], width: number, height: number): ReferenceDetection[][] {
  const input = join(dir, `pictures-${process.pid}.rgb`);
  writeFileSync(input, Buffer.concat(pictures.map((p) => Buffer.from(p))));
  try {
    const out = runPython('torchvision_ssdlite.py', [
      'reference', '--dir', dir, '--input', input,
      '--width', String(width), '--height', String(height), '--count', String(pictures.length),
    ]);
    return JSON.parse(out) as ReferenceDetection[][];
  } finally {
    rmSync(input, { force: true });
  }
}

/**
 * A deterministic rgb24 picture: smooth colour gradients, a few rectangles and seeded noise, so
 * pictures differ in mean brightness and in structure.
 */
export function makePicture(width: number, height: number, seed: number, brightness = 0.5): Uint8Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const px = new Uint8Array(width * height * 3);
  const rects = Array.from({ length: 4 }, () => {
    const x = rnd() * width, y = rnd() * height;
    return { x, y, w: (0.1 + rnd() * 0.4) * width, h: (0.1 + rnd() * 0.4) * height, c: [rnd(), rnd(), rnd()] };
  });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let c = [x / width, y / height, 1 - (x + y) / (width + height)];
      for (const r of rects) if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) c = r.c;
      for (let k = 0; k < 3; k++) {
        const v = (c[k] * 0.6 + 0.4 * rnd()) * 2 * brightness;
        px[o + k] = Math.max(0, Math.min(255, Math.round(v * 255)));
      }
    }
  }
  return px;
}

/** Mean of all bytes / 255 (what the synthetic graphs call m). */
export function meanLevel(px: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < px.length; i++) s += px[i];
  return s / px.length / 255;
}
