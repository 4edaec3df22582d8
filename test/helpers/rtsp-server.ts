/**
 * Starts and stops a real RTSP server (test/helpers/rtsp-server.py: gst-rtsp-server through
 * python3-gi) for tests. It can be killed and started again on the same port, which is how the
 * reconnect tests simulate a camera going away and coming back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));
const READY_TIMEOUT_MS = 20_000;

let available: boolean | undefined;

/** True when python3-gi and gst-rtsp-server are importable (tests skip otherwise). */
export function rtspServerAvailable(): boolean {
  available ??=
    spawnSync(
      PYTHON,
      ['-c', "import gi; gi.require_version('Gst','1.0'); gi.require_version('GstRtspServer','1.0'); from gi.repository import Gst, GstRtspServer; Gst.init(None); assert Gst.ElementFactory.find('x264enc') and Gst.ElementFactory.find('intervideosrc')"],
      { stdio: 'ignore', timeout: 20_000 },
    ).status === 0;
  return available;
}

/** What to serve. */
export interface RtspServerOptions {
  /** Video file, served in a loop. */
  file: string;
  /** Mount name: `rtsp://127.0.0.1:PORT/NAME` (default `test`). */
  name?: string;
  /** Fixed port; default: a free one. */
  port?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in frames (default 15). */
  gop?: number;
}

/** A running (or stopped, restartable) RTSP server. */
export interface RtspServerHandle {
  readonly port: number;
  /** `rtsp://127.0.0.1:PORT/NAME`. */
  readonly url: string;
  /** pid of the server process while it runs. */
  readonly pid: number | undefined;
  /** SIGKILL, like a crashed camera; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** SIGTERM and wait; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the server on a free port (or `port`) and resolves once it accepts connections. */
export async function startRtspServer(o: RtspServerOptions): Promise<RtspServerHandle> {
  const port = o.port ?? (await freePort());
  const name = o.name ?? 'test';
  const args = [
    SCRIPT, '--file', o.file, '--port', String(port), '--name', name,
    '--width', String(o.width ?? 320), '--height', String(o.height ?? 240),
    '--fps', String(o.fps ?? 15), '--gop', String(o.gop ?? 15),
  ];
  let child: ChildProcess | undefined;

  const launch = async () => {
    const c = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`RTSP server not ready after ${READY_TIMEOUT_MS} ms: ${stderr}`)), READY_TIMEOUT_MS);
      let out = '';
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes(`READY ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`RTSP server exited with code ${code}: ${stderr}`));
      });
    });
    await waitForPort(port, READY_TIMEOUT_MS);
  };

  const end = async (signal: NodeJS.Signals) => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    await gone;
  };

  await launch();
  return {
    port,
    url: `rtsp://127.0.0.1:${port}/${name}`,
    get pid() {
      return child?.pid;
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    restart: async () => {
      await end('SIGTERM');
      await launch();
    },
  };
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
