import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import type { ModelInfo, StreamInfo } from '../../src/pipeline/runtime-api.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/http-server.js';
import { createMetrics, STAGES, type Metrics } from '../../src/server/metrics.js';
import { FakeRuntime } from './fake-runtime.js';
import { parsePromText } from './prom-text.js';
import { connectClient } from './ws-test-client.js';

interface Started {
  server: RunningServer;
  runtime: FakeRuntime;
  metrics: Metrics;
}

const running: Started[] = [];
async function start(over: Partial<ServerOptions> = {}): Promise<Started> {
  const runtime = new FakeRuntime();
  const metrics = createMetrics();
  const server = await startServer({ runtime, metrics, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }), ...over });
  const s = { server, runtime, metrics };
  running.push(s);
  return s;
}
afterEach(async () => {
  for (const s of running.splice(0)) {
    await s.server.close();
    s.metrics.close();
  }
});

/**
 * Response bodies of the API, every field present in the type: a test reads the ones the
 * endpoint answers with, and a missing one fails its assertion as undefined.
 */
interface ApiBody {
  error: { code: string; message: string };
  streams: StreamInfo[];
  stream: StreamInfo;
  models: ModelInfo[];
  model: ModelInfo;
  ready: boolean;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = undefined as unknown as ApiBody;
  try {
    if (text) json = JSON.parse(text) as ApiBody;
  } catch {
    // not JSON (the viewer page): tests read `text`
  }
  return { status: res.status, json, text, headers: res.headers };
}

describe('health and readiness', () => {
  it('answers /healthz, and /readyz follows the ready() callback', async () => {
    let ready = false;
    const { server } = await start({ ready: () => ready });
    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
    const r1 = await call(server.url, 'GET', '/readyz');
    expect([r1.status, r1.json]).toEqual([503, { ready: false }]);
    ready = true;
    expect((await call(server.url, 'GET', '/readyz')).status).toBe(200);
  });

  it('defaults readiness to "the runtime reports a model"', async () => {
    const { server } = await start({ runtime: new FakeRuntime(undefined, []) });
    expect((await call(server.url, 'GET', '/readyz')).status).toBe(503);
  });

  it('refuses a taken port with CONFIG_INVALID naming the port', async () => {
    const { server } = await start();
    await expect(start({ port: server.port })).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID,
      message: expect.stringContaining(String(server.port)),
    });
  });
});

describe('/api/streams', () => {
  it('lists, gets, adds and removes streams', async () => {
    const { server, runtime } = await start();
    const list = await call(server.url, 'GET', '/api/streams');
    expect(list.status).toBe(200);
    expect(list.json.streams.map((s: { id: string }) => s.id)).toEqual(['cam1', 'cam2']);
    expect((await call(server.url, 'GET', '/api/streams/cam1')).json.stream.state).toBe('live');

    const added = await call(server.url, 'POST', '/api/streams', { id: 'lobby', url: 'rtsp://cam/lobby', fps: 5, pipeline: 'main' });
    expect(added.status).toBe(201);
    expect(added.json.stream).toMatchObject({ id: 'lobby', url: 'rtsp://cam/lobby', state: 'connecting' });
    expect(runtime.calls.at(-1)).toEqual({ op: 'addStream', args: [{ id: 'lobby', url: 'rtsp://cam/lobby', fps: 5 }, 'main'] });

    expect((await call(server.url, 'DELETE', '/api/streams/cam2')).status).toBe(204);
    const after = await call(server.url, 'GET', '/api/streams');
    expect(after.json.streams.map((s: { id: string }) => s.id)).toEqual(['cam1', 'lobby']);
  });

  it.each([
    ['not JSON', '{"url": ', 400, ErrorCodes.API_BAD_REQUEST],
    ['an array', [], 400, ErrorCodes.API_BAD_REQUEST],
    ['no url', { id: 'x' }, 400, ErrorCodes.API_BAD_REQUEST],
    ['a bad id', { id: '../etc', url: 'rtsp://a' }, 400, ErrorCodes.API_BAD_REQUEST],
    ['a duplicate id', { id: 'cam1', url: 'rtsp://a' }, 400, ErrorCodes.API_BAD_REQUEST],
    ['an unknown pipeline', { url: 'rtsp://a', pipeline: 'nope' }, 404, ErrorCodes.NOT_FOUND],
    ['a source the runtime rejects', { url: 'gopher://a' }, 400, ErrorCodes.SOURCE_FAILED],
  ])('answers a POST with %s by %i %s', async (_what, body, status, code) => {
    const { server } = await start();
    const res = await call(server.url, 'POST', '/api/streams', body);
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(typeof res.json.error.message).toBe('string');
  });

  it('answers unknown streams, paths and methods with 404/405 and a code', async () => {
    const { server } = await start();
    const gone = await call(server.url, 'DELETE', '/api/streams/nope');
    expect([gone.status, gone.json.error.code]).toEqual([404, ErrorCodes.NOT_FOUND]);
    expect(gone.json.error.message).toContain('nope');
    const path = await call(server.url, 'GET', '/api/whatever');
    expect([path.status, path.json.error.code]).toEqual([404, ErrorCodes.NOT_FOUND]);
    const method = await call(server.url, 'PATCH', '/api/streams');
    expect([method.status, method.json.error.code]).toEqual([405, ErrorCodes.API_BAD_REQUEST]);
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const { server } = await start();
    const res = await call(server.url, 'POST', '/api/streams', { url: 'rtsp://a', pad: 'x'.repeat(70_000) });
    expect([res.status, res.json.error.code]).toEqual([413, ErrorCodes.API_BAD_REQUEST]);
  });
});

describe('/api/models', () => {
  it('lists models and swaps one with POST or PUT', async () => {
    const { server, runtime } = await start();
    expect((await call(server.url, 'GET', '/api/models')).json.models[0]).toMatchObject({ pipeline: 'main', name: 'face-ssd' });
    const swapped = await call(server.url, 'POST', '/api/models', { pipeline: 'main', model: 'ssdlite320' });
    expect([swapped.status, swapped.json.model.name]).toEqual([200, 'ssdlite320']);
    const put = await call(server.url, 'PUT', '/api/models', { pipeline: 'main', model: '/tmp/m.onnx' });
    expect(put.json.model.name).toBe('/tmp/m.onnx');
    expect(runtime.calls.filter((c) => c.op === 'swapModel').map((c) => c.args)).toEqual([
      ['main', 'ssdlite320'],
      ['main', '/tmp/m.onnx'],
    ]);
  });

  it.each([
    ['no model', { pipeline: 'main' }, 400, ErrorCodes.API_BAD_REQUEST],
    ['an unknown pipeline', { pipeline: 'x', model: 'ssdlite320' }, 404, ErrorCodes.NOT_FOUND],
    ['an unknown model', { pipeline: 'main', model: 'nope' }, 404, ErrorCodes.MODEL_NOT_FOUND],
    ['a runtime crash', { pipeline: 'main', model: 'boom' }, 500, ErrorCodes.INTERNAL],
  ])('answers a swap with %s by %i %s', async (_what, body, status, code) => {
    const { server } = await start();
    const res = await call(server.url, 'POST', '/api/models', body);
    expect([res.status, res.json.error.code]).toEqual([status, code]);
  });
});

describe('auth', () => {
  const token = 's3cret-token';

  it('needs the bearer token on /api but not on /healthz or /metrics', async () => {
    const { server } = await start({ auth: { token } });
    const none = await call(server.url, 'GET', '/api/streams');
    expect([none.status, none.json.error.code]).toEqual([401, ErrorCodes.UNAUTHORIZED]);
    expect((await call(server.url, 'GET', '/api/streams', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    // Query tokens end up in logs; the REST API takes the header only.
    expect((await call(server.url, 'GET', `/api/streams?token=${token}`)).status).toBe(401);
    expect((await call(server.url, 'GET', '/api/streams', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
    expect((await call(server.url, 'GET', '/metrics')).status).toBe(200);
    expect((await call(server.url, 'GET', '/')).status).toBe(200);
  });

  it('needs the token on /ws, by query or header', async () => {
    const { server } = await start({ auth: { token } });
    const ws = server.url.replace('http', 'ws');
    await expect(connectClient(`${ws}/ws`)).rejects.toMatchObject({ status: 401 });
    await expect(connectClient(`${ws}/ws?token=nope`)).rejects.toMatchObject({ status: 401 });
    const byQuery = await connectClient(`${ws}/ws?token=${token}`);
    expect((await byQuery.next((m) => m.type === 'hello')).type).toBe('hello');
    await byQuery.close();
    const byHeader = await connectClient(`${ws}/ws`, { authorization: `Bearer ${token}` });
    await byHeader.close();
  });

  it('checks the Origin of WebSocket upgrades and cross-site writes', async () => {
    const { server } = await start({ auth: { allowedOrigins: ['https://dash.example'] } });
    const ws = server.url.replace('http', 'ws');
    await expect(connectClient(`${ws}/ws`, { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
    (await connectClient(`${ws}/ws`, { origin: 'https://dash.example' })).ws.terminate();
    (await connectClient(`${ws}/ws`)).ws.terminate(); // no Origin: not a browser
    const evil = await call(server.url, 'POST', '/api/streams', { url: 'rtsp://a' }, { origin: 'https://evil.example' });
    expect([evil.status, evil.json.error.code]).toEqual([403, ErrorCodes.FORBIDDEN]);
    const cors = await call(server.url, 'GET', '/api/streams', undefined, { origin: 'https://dash.example' });
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://dash.example');
  });

  it('allows only same-origin browsers when no allow-list is set', async () => {
    const { server } = await start();
    const ws = server.url.replace('http', 'ws');
    const host = new URL(server.url).host;
    (await connectClient(`${ws}/ws`, { origin: `http://${host}` })).ws.terminate();
    await expect(connectClient(`${ws}/ws`, { origin: 'http://elsewhere:1234' })).rejects.toMatchObject({ status: 403 });
  });

  it('refuses upgrades on other paths with 404', async () => {
    const { server } = await start();
    await expect(connectClient(`${server.url.replace('http', 'ws')}/other`)).rejects.toMatchObject({ status: 404 });
  });
});

describe('/metrics', () => {
  it('is Prometheus text with the stage histograms and the hub\'s client gauge', async () => {
    const { server, runtime, metrics } = await start();
    const client = await connectClient(`${server.url.replace('http', 'ws')}/ws`);
    for (let seq = 0; seq < 5; seq++) {
      // What the pipeline records per frame.
      metrics.stage.inference.observe({ stream: 'cam1', model: 'face-ssd' }, 0.02);
      metrics.framesIn.inc({ stream: 'cam1' });
      runtime.emitFrame('cam1', seq, undefined, []);
    }
    await client.next((m) => m.type === 'detections' && m.seq === 4);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const fams = parsePromText(await res.text());
    for (const s of STAGES) expect(fams.get(`ssd_stream_${s}_seconds`)?.type).toBe('histogram');
    const count = (name: string) =>
      fams.get(name)!.samples.find((x) => x.name === `${name}_count` && x.labels.stream === 'cam1')?.value;
    expect(count('ssd_stream_inference_seconds')).toBe(5);
    expect(fams.get('ssd_stream_ws_clients')!.samples[0].value).toBe(1);
    expect(fams.get('ssd_stream_frames_in_total')!.samples[0].value).toBe(5);
    await client.close();
  });
});

describe('the viewer files', () => {
  it('serves index.html and an in-memory bundle of viewer.ts when run from sources', async () => {
    const { server } = await start();
    const page = await call(server.url, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('src="viewer.js"');
    const js = await call(server.url, 'GET', '/viewer.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    // The bundle inlines the shared protocol code, so the browser needs nothing else.
    expect(js.text).toContain('binary frame header length');
    expect((await call(server.url, 'GET', '/styles.css')).status).toBe(200);
    expect((await call(server.url, 'GET', '/nope.js')).status).toBe(404);
  });

  describe('built by scripts/build-web.js', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ssds-web-'));
      const r = spawnSync(process.execPath, ['scripts/build-web.js', '--outdir', dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes a standalone bundle that the server serves from webRoot, without path escapes', async () => {
      const { server } = await start({ webRoot: dir });
      const js = await call(server.url, 'GET', '/viewer.js');
      expect(js.text).toBe(readFileSync(join(dir, 'viewer.js'), 'utf8'));
      expect(js.text).not.toMatch(/^import /m); // one file, no imports left to resolve
      expect((await call(server.url, 'GET', '/')).text).toContain('<title>ssd-stream</title>');
      expect((await call(server.url, 'GET', '/..%2Fpackage.json')).status).toBe(404);
    });
  });
});
