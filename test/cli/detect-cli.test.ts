/**
 * `ssd-stream detect` and `ssd-stream models` as a user runs them: the real CLI as a child
 * process, the default model, real photos from face-api's demo folder and a video made by ffmpeg.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { projectPath } from '../../src/util/project-root.js';

const run = promisify(execFile);
const cli = projectPath('bin', 'ssd-stream.js');
const sample = projectPath('node_modules', '@vladmandic', 'face-api', 'demo', 'sample1.jpg');
const tmp = mkdtempSync(join(tmpdir(), 'ssds-detect-'));

async function ssds(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { maxBuffer: 64 << 20 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

beforeAll(async () => {
  const r = await ssds('models', 'build');
  expect(r.code, r.stderr).toBe(0);
});

describe('ssd-stream detect', () => {
  it('prints the faces of a photo as JSON with normalised boxes', async () => {
    const r = await ssds('detect', sample);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.file).toBe(sample);
    expect(out.model).toBe('face-ssd-mobilenetv1');
    expect(out.detections.length).toBeGreaterThan(0);
    for (const d of out.detections) {
      expect(d.label).toBe('face');
      expect(d.score).toBeGreaterThanOrEqual(0.5);
      const [x1, y1, x2, y2] = d.box;
      expect(0 <= x1 && x1 < x2 && x2 <= 1 && 0 <= y1 && y1 < y2 && y2 <= 1).toBe(true);
    }
  });

  it('takes the NMS variant from --nms (DIoU finds the same three faces here)', async () => {
    const hard = JSON.parse((await ssds('detect', sample)).stdout);
    const diou = await ssds('detect', sample, '--nms', 'diou');
    expect(diou.code, diou.stderr).toBe(0);
    expect(JSON.parse(diou.stdout).detections.length).toBe(hard.detections.length);
  });

  it('draws boxes on the photo with --out', async () => {
    const out = join(tmp, 'boxes.jpg');
    const r = await ssds('detect', sample, '--out', out, '--threshold', '0.5');
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = await Promise.all([sharp(sample).metadata(), sharp(out).metadata()]);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    const diff = await sharp(out).raw().toBuffer();
    const orig = await sharp(sample).raw().toBuffer();
    let changed = 0;
    for (let i = 0; i < orig.length; i += 3) if (Math.abs(diff[i] - orig[i]) > 60) changed++;
    expect(changed).toBeGreaterThan(500); // box outlines and label plates
  });

  it('runs every frame of a video in order, one JSON line each', async () => {
    const video = join(tmp, 'clip.mp4');
    // 12 frames of the photo panning: made by ffmpeg, as users' clips are.
    await run('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', sample, '-vf', "crop=iw*0.8:ih*0.8:t*20:0,scale=640:-2", '-r', '6', '-t', '2', '-pix_fmt', 'yuv420p', video]);
    const out = join(tmp, 'dets.jsonl');
    const r = await ssds('detect', video, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.frame)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(lines.filter((l) => l.detections.length > 0).length).toBeGreaterThanOrEqual(10);
  });

  it('rejects bad input with one clear line and a non-zero exit', async () => {
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'not a picture\n');
    const notMedia = await ssds('detect', text);
    expect(notMedia.code).not.toBe(0);
    expect(notMedia.stderr).toContain('notes.txt');
    expect(notMedia.stderr).not.toMatch(/\n\s+at /); // no stack without --verbose

    const badThreshold = await ssds('detect', sample, '--threshold', '1.5');
    expect(badThreshold.code).not.toBe(0);
    expect(badThreshold.stderr).toContain('--threshold');
    expect(badThreshold.stderr).toContain('SSDS_ERR_CONFIG_INVALID');

    const badNms = await ssds('detect', sample, '--nms', 'bogus');
    expect(badNms.code).not.toBe(0);
    expect(badNms.stderr).toContain('--nms');

    const missing = await ssds('detect', sample, '--model', 'no-such-model');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('SSDS_ERR_MODEL_NOT_FOUND');

    const corrupt = join(tmp, 'corrupt.onnx');
    writeFileSync(corrupt, Buffer.from('definitely not protobuf'));
    const bad = await ssds('detect', sample, '--model', corrupt);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('corrupt.onnx');
    expect(bad.stderr).toContain('SSDS_ERR_MODEL_INVALID');
  });
});

describe('ssd-stream models', () => {
  it('lists the catalogue with the default model ready', async () => {
    const r = await ssds('models', 'list', '--json');
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; ready: boolean; default: boolean }[];
    const def = list.find((m) => m.default)!;
    expect(def.name).toBe('face-ssd-mobilenetv1');
    expect(def.ready).toBe(true);
    expect(list.map((m) => m.name)).toContain('ssd-mobilenet-v1-12');
    expect(existsSync(projectPath('models', 'cache', 'face-ssd-mobilenetv1.onnx'))).toBe(true);
  });

  it('fetch fails with a clear message where there is no internet', async () => {
    const r = await ssds('models', 'fetch', 'ssd-mobilenet-v1-12');
    // A machine with internet downloads it; this one cannot reach the host.
    if (r.code === 0) return;
    expect(r.stderr).toContain('SSDS_ERR_FETCH_FAILED');
    expect(r.stderr).toContain('ssd-mobilenet-v1-12');
  });
});
