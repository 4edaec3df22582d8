/**
 * Detector speed (issue 2, "Speed"). Prints one JSON object.
 *
 *   node --import tsx bench/detector.ts [--seconds 6] [--rounds 6] [--models default,ssdlite320] [--no-peers]
 *
 * For the default model and a torchvision SSDlite320 raw-heads export made here (seeded random
 * weights by test/fixtures/models/torchvision_ssdlite.py, with the background logit biased so
 * that, as in a trained detector, most anchors say background and a picture gives ~20
 * detections at score 0.5; unbiased random weights make every anchor a candidate, which no
 * real model does), at batch 1 and 4 and 1 and 2 intra-op threads:
 *   - `bareMsPerFrame`: `session.run` alone on the main thread, on feeds prepared once;
 *   - `detectMsPerFrame`: `Detector.detect` awaited batch after batch (worker round trip, input
 *     conversion, decoding, NMS, mapping, result objects);
 *   - `detectPipelinedMsPerFrame`: the same with two batches in flight, as a pipeline keeps it
 *     (the next batch waits in the pool while the current one runs);
 *   - `ratio` = bare / detect throughput (target ≥ 0.95), for both;
 *   - `postprocessMsPerFrame`: the worker's decode + NMS time per picture.
 * The same SSDlite320 exported whole by torchvision (`ssdlite320-post`, NMS inside the graph,
 * one picture per run) is timed too, for the docs' advice to prefer the raw heads.
 * Peers, where python3-torch / python3-opencv exist: bench/peers/*.py on the same SSDlite320.
 * Per configuration the three paths alternate in `rounds` windows over ~`seconds` in all, and
 * each figure is the median window mean, so load from other processes hits them alike; the
 * load average is printed too. Peers get `seconds / 3` per figure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Detector } from '../src/inference/detector.js';
import { loadModel } from '../src/inference/load-model.js';
import { errorMessage } from '../src/errors.js';

const PYTHON = process.env.SSDS_PYTHON ?? '/usr/bin/python3';
const CACHE = fileURLToPath(new URL('./.cache/detector/', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../test/fixtures/models/torchvision_ssdlite.py', import.meta.url));
const PEERS = fileURLToPath(new URL('./peers/', import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const SECONDS = Number(flag('seconds') ?? 6);
/** Alternating measurement windows per configuration. */
const ROUNDS = Number(flag('rounds') ?? 6);
const MODELS = (flag('models') ?? 'default,ssdlite320,ssdlite320-post').split(',');
const PEERS_ON = !process.argv.includes('--no-peers');
const BATCHES = [1, 4];
/** Export settings of the bench's SSDlite320 (see the module comment). */
const SSDLITE_EXPORT_ARGS = ['--score-thresh', '0.5', '--cls-std', '1.5', '--background-bias', '5'];
const SSDLITE_DIR = 'ssdlite320-bg5';
const THREADS = [1, 2];

function log(msg: string): void {
  process.stderr.write(`bench detector: ${msg}\n`);
}

function pythonHas(...mods: string[]): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', mods.map((m) => `import ${m}`).join(';')], { stdio: 'ignore' }).status === 0;
}

/** A seeded picture with gradients and noise (content does not change ONNX Runtime's work). */
function picture(width: number, height: number, seed: number): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  let s = seed * 2654435761 || 1;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0;
    const pos = Math.floor(i / 3);
    px[i] = (((pos % width) * 255) / width) * 0.7 + ((s >>> 24) & 0xff) * 0.3;
  }
  return px;
}

/** Mean ms per call of `step(i)` over `calls` calls. */
async function timeCalls(step: (i: number) => Promise<unknown>, calls: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await step(i);
  return (performance.now() - t0) / calls;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Memory allowed for pre-copied pictures per window. */
const PREPARED_BYTES = 256 << 20;

/**
 * One configuration. The bare session (main thread) and the detector (one worker) are both
 * loaded, and ROUNDS short windows of bare, detect and pipelined detect alternate, so a change
 * in the machine's load hits all three alike; each figure is the median over the rounds.
 * `detect` transfers (detaches) the pictures it is given, so each call gets its own copy, made
 * before the window starts: a live pipeline gets fresh buffers from ffmpeg and copies nothing.
 */
async function measure(model: string, batch: number, threads: number) {
  const loaded = await loadModel({ modelPath: model, executionProvider: 'cpu', intraOpThreads: threads });
  const det = await Detector.create({ model, executionProvider: 'cpu', intraOpThreads: threads, maxBatch: batch });
  try {
    const { width, height } = det.spec.input;
    if (det.maxBatch < batch) return undefined;
    const sources = Array.from({ length: batch }, (_, i) => picture(width, height, i + 1));
    const feeds = loaded.bound.feeds(sources);
    const bareStep = () => loaded.session.run(feeds);
    const fresh = () => sources.map((p) => ({ data: p.slice(), sourceWidth: width, sourceHeight: height }));
    let post = 0;
    let pictures = 0;
    let prepared: ReturnType<typeof fresh>[] = [];
    const one = async (i: number) => {
      const rs = await det.detect(prepared[i]);
      for (const r of rs) post += r.timings.postprocessMs;
      pictures += rs.length;
    };
    const piped = (i: number) => Promise.all([one(2 * i), one(2 * i + 1)]);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) {
      await bareStep();
      prepared = [fresh()];
      await one(0);
    }
    const perCallMs = (performance.now() - t0) / 6;
    post = 0;
    pictures = 0;
    const windowMs = (SECONDS * 1000) / ROUNDS;
    const maxCalls = Math.max(3, Math.floor(PREPARED_BYTES / (2 * batch * width * height * 3)));
    const calls = Math.max(3, Math.min(maxCalls, Math.round(windowMs / perCallMs)));
    const b: number[] = [], d: number[] = [], p: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      b.push((await timeCalls(bareStep, calls)) / batch);
      prepared = Array.from({ length: calls }, fresh);
      d.push((await timeCalls(one, calls)) / batch);
      prepared = Array.from({ length: 2 * calls }, fresh);
      p.push((await timeCalls(piped, calls)) / (2 * batch));
      prepared = [];
    }
    return { bare: median(b), detect: median(d), piped: median(p), postprocess: post / pictures, callsPerWindow: calls };
  } finally {
    await det.close();
    await loaded.session.release();
  }
}

/** The SSDlite320 raw-heads export, made once into bench/.cache. */
function ssdliteModel(): string | { skipped: string } {
  const dir = join(CACHE, SSDLITE_DIR);
  const path = join(dir, 'ssdlite320-raw.onnx');
  if (existsSync(join(dir, 'done'))) return path;
  if (!pythonHas('torch', 'torchvision', 'onnx')) return { skipped: 'python3 with torch, torchvision and onnx not found' };
  mkdirSync(dir, { recursive: true });
  log('exporting torchvision SSDlite320 (random weights) ...');
  execFileSync(PYTHON, [FIXTURE, 'export', '--out', dir, ...SSDLITE_EXPORT_ARGS], { stdio: ['ignore', 'ignore', 'pipe'] });
  writeFileSync(join(dir, 'done'), '');
  return path;
}

async function defaultModel(): Promise<string | { skipped: string }> {
  try {
    const mod = (await import('../src/models/default-model.js')) as { ensureDefaultModel?: () => Promise<string> };
    if (!mod.ensureDefaultModel) return { skipped: 'src/models/default-model.ts has no ensureDefaultModel yet' };
    return await mod.ensureDefaultModel();
  } catch (e) {
    return { skipped: `default model unavailable: ${errorMessage(e)}` };
  }
}

function peer(script: string, args: string[]): unknown {
  const r = spawnSync(PYTHON, [join(PEERS, script), ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ') };
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { error: `unreadable output: ${r.stdout.slice(0, 200)}` };
  }
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = {
    bench: 'detector',
    machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model, node: process.version },
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    secondsPerMeasurement: SECONDS,
    models: [] as unknown[],
    skipped: [] as unknown[],
  };
  const found: [string, string | { skipped: string }][] = [];
  if (MODELS.includes('default')) found.push(['default', await defaultModel()]);
  if (MODELS.includes('ssdlite320')) found.push(['ssdlite320-raw', ssdliteModel()]);
  if (MODELS.includes('ssdlite320-post')) {
    const raw = ssdliteModel();
    found.push(['ssdlite320-post', typeof raw === 'string' ? raw.replace(/-raw\.onnx$/, '-post.onnx') : raw]);
  }
  for (const [name, model] of found) {
    if (typeof model !== 'string') {
      (out.skipped as unknown[]).push({ model: name, reason: model.skipped });
      continue;
    }
    const probe = await Detector.create({ model, executionProvider: 'cpu', intraOpThreads: 1 });
    const info = { name, path: model, adapter: probe.adapter, input: `${probe.spec.input.width}x${probe.spec.input.height}`, runs: [] as unknown[] };
    await probe.close();
    for (const threads of THREADS) {
      for (const batch of BATCHES) {
        log(`${name} batch ${batch} threads ${threads}`);
        const m = await measure(model, batch, threads);
        if (!m) continue;
        const r3 = (v: number) => Math.round(v * 1000) / 1000;
        info.runs.push({
          batch,
          threads,
          bareMsPerFrame: r3(m.bare),
          detectMsPerFrame: r3(m.detect),
          ratio: r3(m.bare / m.detect),
          detectPipelinedMsPerFrame: r3(m.piped),
          ratioPipelined: r3(m.bare / m.piped),
          postprocessMsPerFrame: r3(m.postprocess),
          callsPerWindow: m.callsPerWindow,
        });
      }
    }
    (out.models as unknown[]).push(info);
  }
  if (PEERS_ON) {
    const tv = found.find(([n]) => n === 'ssdlite320-raw')?.[1];
    const peers: Record<string, unknown> = {};
    if (typeof tv !== 'string') {
      peers.skipped = 'no SSDlite320 export';
    } else {
      const common = ['--seconds', String(SECONDS / 3)];
      log('peers: PyTorch eager');
      peers.pytorchEager = pythonHas('torch', 'torchvision')
        ? peer('torch_eager.py', ['--weights', join(CACHE, SSDLITE_DIR, 'ssdlite320.pt'), ...common])
        : { skipped: 'python3-torch not installed' };
      log('peers: OpenCV DNN');
      peers.opencvDnn = pythonHas('cv2', 'torch', 'torchvision')
        ? peer('opencv_dnn.py', ['--weights', join(CACHE, SSDLITE_DIR, 'ssdlite320.pt'), '--work', join(CACHE, 'opencv'), ...common])
        : { skipped: 'python3-opencv or python3-torch not installed' };
    }
    out.peers = peers;
  }
  out.loadAverageAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
