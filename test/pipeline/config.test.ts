import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseSourceRequest } from '../../src/pipeline/config-loader.js';
import { ConfigError, ErrorCodes, SsdsError } from '../../src/errors.js';
import { CONFIG_DEFAULTS } from '../../src/pipeline/config-defaults.js';
import { demoToLavfi, toVideoUrl } from '../../src/pipeline/demo-sources.js';

let dir: string;
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const catchErr = (fn: () => unknown): SsdsError => {
  try {
    fn();
  } catch (e) {
    return e as SsdsError;
  }
  throw new Error('expected an error');
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssds-config-'));
  writeFileSync(join(dir, 'clip.mp4'), 'not really a video, but a file');
});

describe('loadConfig', () => {
  it('applies defaults, derives ids and live, and freezes', () => {
    const pl = write(
      'ok.yaml',
      `pipelines:
  - name: lobby
    maxBatch: 2
    sources:
      - url: rtsp://cam/1
      - { id: file1, url: ${join(dir, 'clip.mp4')}, realtime: false }
      - url: demo:sample1?motion=zoom
`,
    );
    const cfg = loadConfig({ pipelinePath: pl, cwd: dir });
    expect(cfg.server.port).toBe(CONFIG_DEFAULTS.server.port);
    const p = cfg.pipelines[0]!;
    expect(p.maxBatch).toBe(2);
    expect(p.maxWaitMs).toBe(CONFIG_DEFAULTS.pipeline.maxWaitMs);
    expect(p.model).toBe('default');
    expect(p.tracker.type).toBe('bytetrack');
    expect(p.sources.map((s) => [s.id, s.live])).toEqual([
      ['cam1', true],
      ['file1', false],
      ['cam3', true],
    ]);
    expect(p.sources[0]!.rtspTransport).toBe('tcp');
    expect(Object.isFrozen(p.sources[0]!.timeouts)).toBe(true);
    expect(() => {
      (p as { maxBatch: number }).maxBatch = 9;
    }).toThrow(TypeError);
  });

  it('rejects a bad source URL with its path', () => {
    const pl = write('bad-url.yaml', `pipelines:\n  - name: a\n    sources:\n      - url: rtsp://x/1\n      - url: rtsp://x/2\n      - url: "not a url"\n`);
    const e = catchErr(() => loadConfig({ pipelinePath: pl }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect((e as ConfigError).path).toBe('pipelines[0].sources[2].url');
    expect(e.message).toMatch(/^pipelines\[0\]\.sources\[2\]\.url: expected a URL/);
  });

  it('rejects unknown keys with the key in the path', () => {
    const pl = write('typo.yaml', `pipelines:\n  - name: a\n    maxBatchSize: 4\n`);
    const e = catchErr(() => loadConfig({ pipelinePath: pl })) as ConfigError;
    expect(e.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(e.path).toBe('pipelines[0].maxBatchSize');
    expect(e.message).toContain('unknown key "maxBatchSize"');
  });

  it('rejects wrong types and ranges in the server section', () => {
    const cf = write('server.yaml', `server:\n  port: 70000\n`);
    expect((catchErr(() => loadConfig({ configPath: cf })) as ConfigError).path).toBe('server.port');
    const cf2 = write('server2.yaml', `server:\n  allowedOrigins: [42]\n`);
    expect((catchErr(() => loadConfig({ configPath: cf2 })) as ConfigError).path).toBe('server.allowedOrigins[0]');
  });

  it('rejects bad tracker settings and duplicate stream ids', () => {
    const t = write('tracker.yaml', `pipelines:\n  - name: a\n    tracker: { type: kalman }\n`);
    expect((catchErr(() => loadConfig({ pipelinePath: t })) as ConfigError).path).toBe('pipelines[0].tracker.type');
    const d = write('dup.yaml', `pipelines:\n  - name: a\n    sources: [{ id: x, url: rtsp://h/1 }]\n  - name: b\n    sources: [{ id: x, url: rtsp://h/2 }]\n`);
    const e = catchErr(() => loadConfig({ pipelinePath: d })) as ConfigError;
    expect(e.path).toBe('pipelines[1].sources[0].id');
    expect(e.message).toContain('pipelines[0].sources[0]');
  });

  it('names missing files and YAML syntax errors', () => {
    const m = write('missing.yaml', `pipelines:\n  - name: a\n    sources: [{ url: ./nope.mp4 }]\n`);
    const e = catchErr(() => loadConfig({ pipelinePath: m, cwd: dir })) as ConfigError;
    expect(e.path).toBe('pipelines[0].sources[0].url');
    expect(e.message).toContain('file not found');
    const y = write('syntax.yaml', `pipelines:\n  - name: [a\n`);
    const e2 = catchErr(() => loadConfig({ pipelinePath: y }));
    expect(e2.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(e2.message).toContain('syntax.yaml:');
    expect(catchErr(() => loadConfig({ pipelinePath: join(dir, 'absent.yaml') })).code).toBe(ErrorCodes.FILE_NOT_FOUND);
  });

  it('builds a quick-start pipeline from --source and applies --model and --port', () => {
    const cfg = loadConfig({ overrides: { sources: ['rtsp://a/1', 'lavfi:testsrc2'], model: 'x.onnx', port: 9000 } });
    expect(cfg.server.port).toBe(9000);
    expect(cfg.pipelines).toHaveLength(1);
    expect(cfg.pipelines[0]!.model).toBe('x.onnx');
    expect(cfg.pipelines[0]!.sources.map((s) => s.id)).toEqual(['cam1', 'cam2']);
  });

  it('validates streams added at run time under `source`', () => {
    const e = catchErr(() => parseSourceRequest({ url: 'rtsp://a/1', fps: -1 }, 'cam9')) as ConfigError;
    expect(e.path).toBe('source.fps');
    expect(parseSourceRequest({ url: 'rtsp://a/1' }, 'cam9').id).toBe('cam9');
  });

  it('validates the shipped config and pipelines', () => {
    for (const p of ['pipelines/demo.yaml', 'pipelines/surveillance.yaml', 'pipelines/driving.yaml']) {
      const cfg = loadConfig({ configPath: 'config/default.yaml', pipelinePath: p });
      expect(cfg.pipelines.length).toBeGreaterThan(0);
    }
    const cfg = loadConfig({ configPath: 'config/default.yaml' });
    expect(cfg.server).toEqual({ ...CONFIG_DEFAULTS.server, metrics: { ...CONFIG_DEFAULTS.server.metrics } });
  });

  it('accepts the commented pipeline reference in config/default.yaml, uncommented', () => {
    const text = readFileSync('config/default.yaml', 'utf8');
    const block = text.slice(text.indexOf('# pipelines:'));
    const yaml = block
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) => l.replace(/^# ?/, ''))
      .join('\n');
    const p = write('reference.yaml', yaml);
    const cfg = loadConfig({ pipelinePath: p });
    const pl = cfg.pipelines[0]!;
    expect(pl.zones[0]!.name).toBe('door');
    expect(pl.events.map((e) => e.type)).toEqual(['mqtt', 'webhook']);
    expect(pl.sources[0]!.live).toBe(true);
    const defaults = loadConfig({ pipelinePath: write('min.yaml', 'pipelines: [{ name: main, sources: [{ id: cam1, url: "rtsp://user:pass@cam/stream" }] }]') });
    // Every default the reference shows is the real default.
    const { zones: _z, lines: _l, events: _e, ...shown } = pl;
    const { zones: _z2, lines: _l2, events: _e2, ...real } = defaults.pipelines[0]!;
    expect(shown).toEqual(real);
  });

  it('names the path of a bad zone', () => {
    const z = write('zone.yaml', 'pipelines:\n  - name: a\n    zones: [{ name: z, polygon: [[0, 0], [1, 1]] }]\n');
    const e = catchErr(() => loadConfig({ pipelinePath: z })) as ConfigError;
    expect(e.path).toBe('pipelines[0].zones[0].polygon');
  });
});

describe('demo sources', () => {
  it('maps demo: URLs to a lavfi graph over the face-api photo', () => {
    const url = demoToLavfi('demo:sample2?motion=drift&fps=10&size=640x426');
    expect(url).toMatch(/^lavfi:movie=.*face-api.*demo.*sample2\.jpg,loop=loop=-1/);
    expect(url).toContain('s=640x426:fps=10');
    expect(toVideoUrl('rtsp://a/b')).toBe('rtsp://a/b');
    expect((catchErr(() => demoToLavfi('demo:sample1?motion=spin')) as ConfigError).code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(catchErr(() => demoToLavfi('demo:nosuchphoto')).message).toContain('demo photo not found');
  });
});
