/**
 * Export and deploy as a user runs them: a checkpoint fine-tuned from `--base face` on synthetic
 * data is exported by the real CLI (`export --int8 --calibrate`, ONNX/tfjs parity checked),
 * the exported model runs in `detect`, and `models deploy` hot-swaps it into a running `serve`
 * whose stream keeps flowing.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectPath } from '../../src/util/project-root.js';
import { writeSyntheticCoco } from '../helpers/synthetic-detection.js';
import { train } from '../../src/training/trainer.js';

const run = promisify(execFile);
const cli = projectPath('bin', 'ssd-stream.js');
const env = { ...process.env, SSDS_FROM_SOURCE: '1' };
const dir = mkdtempSync(join(tmpdir(), 'ssds-export-'));
let annotations: string;
let server: ChildProcess | undefined;

async function ssds(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env, maxBuffer: 64 << 20, timeout: 300_000 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

beforeAll(async () => {
  annotations = await writeSyntheticCoco(join(dir, 'data'), { count: 30, width: 320, height: 240, seed: 9 });
  // A short run at the default model's input size, so the swap needs no source restart.
  await train({ data: annotations, out: join(dir, 'run'), base: 'face', epochs: 2, batch: 8, lr: 0.01, variants: 1, progress: false, exportBest: false });
}, 600_000);

afterAll(() => {
  server?.kill('SIGTERM');
});

describe('export', () => {
  it('writes the ONNX model with a passing parity check and a calibrated INT8 model', async () => {
    const r = await ssds('export', join(dir, 'run', 'best'), '--int8', '--calibrate', annotations, '--calibration-images', '8', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.onnx).toBe(join(dir, 'run', 'best.onnx'));
    expect(s.parity.passed).toBe(true);
    expect(s.parity.maxAbsBoxDiff).toBeLessThan(1e-4);
    expect(existsSync(s.int8.file)).toBe(true);
    expect(s.int8.bytes).toBeLessThan(s.bytes / 2);
    expect(s.int8.speedup).toBeGreaterThan(0);
    expect(Number.isFinite(s.int8.int8Map50)).toBe(true);
    // A short fine-tune should still agree with itself after quantisation within reason.
    expect(Math.abs(s.int8.map50Change)).toBeLessThan(0.3);
  }, 300_000);

  it('the exported model runs in detect with the trained labels', async () => {
    const img = join(dir, 'data', 'images', readdirSync(join(dir, 'data', 'images'))[0]);
    const r = await ssds('detect', img, '--model', join(dir, 'run', 'best.onnx'), '--threshold', '0.05');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.detections.length).toBeGreaterThan(0);
    for (const d of out.detections) expect(['disc', 'square', 'triangle']).toContain(d.label);
  }, 120_000);

  it('models deploy hot-swaps it into a running serve without dropping the stream', async () => {
    const token = 'h9-deploy-token';
    const proc = spawn(process.execPath, [cli, 'serve', '--source', 'demo:sample1?motion=pan&fps=5', '--port', '0'], { env: { ...env, SSDS_AUTH_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
    server = proc;
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      const t = setTimeout(() => reject(new Error(`serve did not start: ${text}`)), 120_000);
      proc.stdout!.on('data', (b: Buffer) => {
        text += b.toString();
        const m = /(http:\/\/[^\s]+?)\/?\s/.exec(text);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      proc.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const get = async (path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
    const processed = async (): Promise<{ processed: number; reconnects: number; state: string }> => (await get('/api/streams')).streams[0];
    const waitFor = async (pred: () => Promise<boolean>, what: string) => {
      for (let i = 0; i < 240; i++) {
        if (await pred()) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    await waitFor(async () => (await processed()).processed > 2, 'frames before the swap');
    const pipeline = (await get('/api/models')).models[0].pipeline as string;
    const before = await processed();

    // Without the server's token the swap is refused and nothing changes.
    const denied = await ssds('models', 'deploy', join(dir, 'run', 'best.onnx'), '--server', url, '--pipeline', pipeline);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/SSDS_ERR_UNAUTHORIZED/);
    expect((await get('/api/models')).models[0].labels).not.toContain('disc');

    const r = await ssds('models', 'deploy', join(dir, 'run', 'best.onnx'), '--server', url, '--pipeline', pipeline, '--token', token, '--json');
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.labels).toEqual(['background', 'disc', 'square', 'triangle']);
    const models = (await get('/api/models')).models;
    expect(models[0].labels).toEqual(['background', 'disc', 'square', 'triangle']);

    // The stream carries on under the new model: more frames, no reconnect.
    const afterSwap = (await processed()).processed;
    await waitFor(async () => (await processed()).processed > afterSwap + 2, 'frames after the swap');
    const after = await processed();
    expect(after.reconnects).toBe(before.reconnects);
    expect(after.state).toBe('live');

    const bad = await ssds('models', 'deploy', join(dir, 'run', 'best.onnx'), '--server', url, '--pipeline', 'no-such-pipeline', '--token', token);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/SSDS_ERR_NOT_FOUND/);
  }, 300_000);
});
