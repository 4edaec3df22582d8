/**
 * `ssd-stream serve` as a user starts it: configuration mistakes are reported at start as one
 * line naming the key path, with a non-zero exit and no server left running.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

function serve(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'ssd-stream.js'), 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, SSDS_FROM_SOURCE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssds-serve-cli-'));
});

describe('serve rejects bad configuration at start', () => {
  it('names the path of a bad source URL', () => {
    const p = join(dir, 'bad-url.yaml');
    writeFileSync(p, 'pipelines:\n  - name: a\n    sources:\n      - url: rtsp://x/1\n      - url: rtsp://x/2\n      - url: "not a url"\n');
    const r = serve('--pipeline', p);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ssd-stream: pipelines\[0\]\.sources\[2\]\.url: expected a URL .*\[SSDS_ERR_CONFIG_INVALID\]$/m);
  });

  it('names an unknown key, a bad port and a missing file', () => {
    const p = join(dir, 'typo.yaml');
    writeFileSync(p, 'server:\n  prot: 8080\n');
    const r = serve('--config', p);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('server.prot: unknown key "prot"');
    const r2 = serve('--port', 'eighty');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('--port: expected an integer 0..65535, got "eighty"');
    const r3 = serve('--pipeline', join(dir, 'absent.yaml'));
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('[SSDS_ERR_FILE_NOT_FOUND]');
  });
});
