import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderScene, randomObjects, sceneGtRows } from '../../src/eval/mot-synthetic.js';
import { formatMot, parseMot, parseSeqInfo } from '../../src/eval/mot.js';
import { evaluateMot } from '../../src/eval/mot-metrics.js';

const exec = promisify(execFile);
const env = { ...process.env, SSDS_FROM_SOURCE: '1' };
/**
 * The real `track` and `eval` commands, registered on a program the same way src/cli/index.ts
 * does, in a child process; only these commands' modules are loaded, so the test exercises
 * exactly them.
 */
const entry = `
import { Command } from 'commander';
const { register: track } = await import(${JSON.stringify(join(process.cwd(), 'src/cli/track.ts'))});
const { register: ev } = await import(${JSON.stringify(join(process.cwd(), 'src/cli/eval.ts'))});
const p = new Command('ssd-stream'); track(p); ev(p);
await p.parseAsync(process.argv.slice(1), { from: 'user' });
`;
const run = (_node: string, args: string[], opts: { env: NodeJS.ProcessEnv }) =>
  exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, ...args.slice(1)], opts);
const cli = 'ssd-stream';

/** A MOTChallenge sequence folder (seqinfo.ini, det/det.txt, gt/gt.txt) from a synthetic scene, in 1920×1080 pixels. */
async function writeSequence(dir: string): Promise<void> {
  const frames = 120;
  const scene = renderScene(randomObjects(12, frames, 21), frames, 25, { seed: 4 });
  await mkdir(join(dir, 'det'), { recursive: true });
  await mkdir(join(dir, 'gt'), { recursive: true });
  await writeFile(join(dir, 'seqinfo.ini'), `[Sequence]\nname=SYN-01\nframeRate=25\nseqLength=${frames}\nimWidth=1920\nimHeight=1080\n`);
  const det = scene.flatMap((f) =>
    f.detections.map((d) => ({
      frame: f.frame,
      id: -1,
      box: [d.box[0] * 1920, d.box[1] * 1080, (d.box[2] - d.box[0]) * 1920, (d.box[3] - d.box[1]) * 1080] as [number, number, number, number],
      conf: d.score,
    })),
  );
  await writeFile(join(dir, 'det', 'det.txt'), formatMot(det));
  // gt.txt in the 9-column layout with flag 1, class 1, visibility 1.
  await writeFile(join(dir, 'gt', 'gt.txt'), sceneGtRows(scene).map((r) => `${r.frame},${r.id},${r.box.join(',')},1,1,1\n`).join(''));
}

describe('track and eval mot commands on a MOTChallenge sequence', () => {
  it('track writes results that eval mot scores, as a table and as JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ssds-mot-'));
    await writeSequence(dir);
    const out = join(dir, 'tracks.txt');
    const t = await run(process.execPath, [cli, 'track', '--detections', join(dir, 'det', 'det.txt'), '--out', out], { env });
    expect(t.stderr).toMatch(/bytetrack: 120 frames, \d+ detections → \d+ tracks/);
    expect(t.stderr).toContain('25 fps timeline'); // read from seqinfo.ini
    const rows = parseMot(await readFile(out, 'utf8'));
    expect(rows.length).toBeGreaterThan(500);
    expect(rows.every((r) => r.id >= 1)).toBe(true);

    const j = await run(process.execPath, [cli, 'eval', 'mot', '--gt', join(dir, 'gt', 'gt.txt'), '--tracks', out, '--json'], { env });
    const m = JSON.parse(j.stdout) as Record<string, number>;
    // The CLI prints exactly what the library computes on the same files.
    const direct = evaluateMot(parseMot(await readFile(join(dir, 'gt', 'gt.txt'), 'utf8')), rows);
    expect(m.mota).toBeCloseTo(direct.mota, 12);
    expect(m.idf1).toBeCloseTo(direct.idf1, 12);
    expect(m.mota).toBeGreaterThan(0.7);

    const table = await run(process.execPath, [cli, 'eval', 'mot', '--gt', join(dir, 'gt', 'gt.txt'), '--tracks', out], { env });
    const [head, values] = table.stdout.trim().split('\n');
    expect(head.trim().split(/\s+/).slice(0, 3)).toEqual(['MOTA', 'IDF1', 'MOTP']);
    expect(Number(values.trim().split(/\s+/)[0])).toBeCloseTo(100 * direct.mota, 1);

    const interp = join(dir, 'interp.txt');
    const ti = await run(process.execPath, [cli, 'track', '--interpolate', '10', '--detections', join(dir, 'det', 'det.txt'), '--out', interp], { env });
    expect(ti.stderr).toMatch(/\(\d+ interpolated\)/);
    const mi = evaluateMot(parseMot(await readFile(join(dir, 'gt', 'gt.txt'), 'utf8')), parseMot(await readFile(interp, 'utf8')));
    expect(mi.fn).toBeLessThan(direct.fn); // the gaps from missed detections are filled

    const sort = await run(process.execPath, [cli, 'track', '--tracker', 'sort', '--frame-rate', '10', '--detections', join(dir, 'det', 'det.txt'), '--out', join(dir, 's.txt')], { env });
    expect(sort.stderr).toMatch(/^sort: .* 10 fps timeline/);
  });

  it('bad input fails with one line and the error code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ssds-mot-'));
    await writeFile(join(dir, 'bad.txt'), '1,2,3\n');
    const e1 = await run(process.execPath, [cli, 'eval', 'mot', '--gt', join(dir, 'bad.txt'), '--tracks', join(dir, 'bad.txt')], { env }).catch((e) => e);
    expect(e1.code).toBe(1);
    expect(e1.stderr).toMatch(/bad\.txt:1: not a MOTChallenge row .*\[SSDS_ERR_FILE_INVALID\]/);
    const e2 = await run(process.execPath, [cli, 'track', '--detections', join(dir, 'none.txt'), '--out', join(dir, 'o.txt')], { env }).catch((e) => e);
    expect(e2.stderr).toContain('[SSDS_ERR_FILE_NOT_FOUND]');
    const e3 = await run(process.execPath, [cli, 'track', '--detections', join(dir, 'bad.txt'), '--out', 'o.txt', '--match-iou', '7'], { env }).catch((e) => e);
    expect(e3.stderr).toMatch(/--match-iou: .*\[SSDS_ERR_CONFIG_INVALID\]/);
    // Without a subcommand, `eval` runs the default `detections` subcommand (another module):
    // it is reached and fails on its own options, not as an unknown command.
    const e4 = await run(process.execPath, [cli, 'eval', '--model', 'x'], { env }).catch((e) => e);
    expect(e4.code).toBe(1);
    expect(e4.stderr).toMatch(/^ssd-stream: .*\[SSDS_ERR_[A-Z_]+\]\n$/);
  });

  it('parses seqinfo.ini', () => {
    expect(parseSeqInfo('[Sequence]\nname=MOT17-02\nframeRate=30\nseqLength=600\nimWidth=1920\nimHeight=1080\n')).toEqual({
      name: 'MOT17-02',
      frameRate: 30,
      seqLength: 600,
      width: 1920,
      height: 1080,
    });
  });
});
