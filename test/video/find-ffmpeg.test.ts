import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, SsdsError } from '../../src/errors.js';
import { findFfmpeg, resolveFfmpeg } from '../../src/video/find-ffmpeg.js';

const dir = mkdtempSync(join(tmpdir(), 'ssds-find-ffmpeg-'));
/** A shell script that answers `-version` like ffmpeg. */
function fakeFfmpeg(name: string, mode: number): string {
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\necho "ffmpeg version 0.0-fake"\n');
  chmodSync(p, mode);
  return p;
}

describe('findFfmpeg', () => {
  it('finds a working ffmpeg on this machine', async () => {
    const bin = await findFfmpeg();
    expect(typeof bin).toBe('string');
    expect(await findFfmpeg()).toBe(bin); // cached
  });

  it('prefers FFMPEG_PATH, then PATH, then the npm binary', async () => {
    const fromEnv = fakeFfmpeg('env-ffmpeg', 0o755);
    const fromNpm = fakeFfmpeg('npm-ffmpeg', 0o755);
    expect(await resolveFfmpeg({ env: { ...process.env, FFMPEG_PATH: fromEnv }, installerPath: fromNpm })).toBe(fromEnv);
    expect(await resolveFfmpeg({ env: { PATH: process.env.PATH }, installerPath: fromNpm })).toBe('ffmpeg');
    // A broken FFMPEG_PATH falls through instead of failing.
    expect(await resolveFfmpeg({ env: { FFMPEG_PATH: join(dir, 'missing') }, systemName: null, installerPath: fromNpm })).toBe(fromNpm);
  });

  it('makes the npm binary executable when npm skipped its postinstall', async () => {
    const p = fakeFfmpeg('npm-noexec', 0o644);
    expect(await resolveFfmpeg({ env: {}, systemName: null, installerPath: p })).toBe(p);
    expect(statSync(p).mode & 0o111).not.toBe(0);
  });

  it('the real @ffmpeg-installer binary runs', async () => {
    const p = await resolveFfmpeg({ env: {}, systemName: null });
    expect(p).toMatch(/@ffmpeg-installer/);
  });

  it('fails with FFMPEG_NOT_FOUND listing what it tried', async () => {
    const notFfmpeg = join(dir, 'not-ffmpeg');
    writeFileSync(notFfmpeg, '#!/bin/sh\necho hello\n');
    chmodSync(notFfmpeg, 0o755);
    const err = await resolveFfmpeg({ env: { FFMPEG_PATH: notFfmpeg, PATH: dir }, systemName: 'nope-ffmpeg', installerPath: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SsdsError);
    expect((err as SsdsError).code).toBe(ErrorCodes.FFMPEG_NOT_FOUND);
    expect((err as SsdsError).message).toContain('FFMPEG_PATH');
    expect((err as SsdsError).message).toContain('not an ffmpeg binary');
  });
});
