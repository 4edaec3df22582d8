/**
 * Runs test/fixtures/ref/torchvision_ref.py under Debian's /usr/bin/python3 and parses its JSON.
 * Tests use {@link hasTorchvision} with `describe.skipIf` so a machine without
 * python3-torchvision skips them with a message instead of failing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = process.env.SSDS_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../fixtures/ref/torchvision_ref.py', import.meta.url));

/** True when python3 with torch and torchvision is available. */
export const hasTorchvision: boolean = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
  return r.status === 0;
})();

if (!hasTorchvision) {
  console.warn(`[skip] ${PYTHON} with torch + torchvision not found: torchvision reference tests skipped`);
}

/** Output of one reference mode (`nms`, `coder`, `select`, `anchors`). */
export function torchRef<T>(mode: string): T {
  const text = execFileSync(PYTHON, [SCRIPT, mode], { maxBuffer: 64 << 20, encoding: 'utf8' });
  return JSON.parse(text) as T;
}

/** Largest absolute difference between two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
