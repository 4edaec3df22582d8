/**
 * `demo:` source URLs: offline-safe moving pictures made by ffmpeg from the photos that ship with
 * `@vladmandic/face-api` (`demo/sample1.jpg` … `sample6.jpg`), so `ssd-stream demo` shows real
 * faces moving without a camera or a network. The runtime turns a `demo:` URL into a `lavfi:`
 * URL before handing it to `src/video`.
 *
 * Form: `demo:<photo>[?motion=pan|zoom|drift&fps=N&size=WxH]`, e.g. `demo:sample2?motion=zoom`.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { projectPath } from '../util/project-root.js';

/** How the virtual camera moves over the photo. */
export type DemoMotion = 'pan' | 'zoom' | 'drift';

/** A parsed `demo:` URL. */
export interface DemoSource {
  photo: string;
  motion: DemoMotion;
  fps: number;
  width: number;
  height: number;
}

/** Default virtual-camera settings (output size is 3:2 like the photos, so faces keep their shape). */
const DEMO_DEFAULTS = { motion: 'pan' as DemoMotion, fps: 15, width: 720, height: 480 };

/**
 * zoompan expressions per motion, in terms of `on` (output frame number): the zoom `z` and the
 * top-left corner `x`,`y` of the visible window. Periods of several seconds keep faces
 * trackable; different periods on x and y avoid a repeating straight line. Zoom stays within
 * 1.0–1.15: the face model was trained on faces about a tenth of the picture wide, and its
 * scores fall from ~0.99 to ~0.55 when a 1.35× crop makes them twice that.
 */
const MOTIONS: Record<DemoMotion, { z: string; x: string; y: string }> = {
  pan: {
    z: '1.12',
    x: '(iw-iw/zoom)/2*(1+sin(on/30))',
    y: '(ih-ih/zoom)/2*(1+sin(on/50))',
  },
  zoom: {
    z: '1.075+0.075*sin(on/25)',
    x: '(iw-iw/zoom)/2',
    y: '(ih-ih/zoom)/2',
  },
  drift: {
    z: '1.1+0.04*sin(on/40)',
    x: '(iw-iw/zoom)/2*(1+sin(on/25))',
    y: '(ih-ih/zoom)/2*(1+cos(on/35))',
  },
};

/** Absolute path of a face-api demo photo (`sample1` … `sample6`). */
export function demoPhotoPath(photo: string): string {
  return projectPath('node_modules', '@vladmandic', 'face-api', 'demo', `${photo}.jpg`);
}

/** Parses `demo:...`; `path` names the config key in errors. */
export function parseDemoUrl(url: string, path = 'url'): DemoSource {
  const m = /^demo:([A-Za-z0-9_-]+)(?:\?(.*))?$/.exec(url);
  if (!m) throw new ConfigError(path, `expected demo:<photo>[?motion=pan|zoom|drift&fps=N&size=WxH], got "${url}"`);
  const out: DemoSource = { photo: m[1]!, ...DEMO_DEFAULTS };
  for (const [k, v] of new URLSearchParams(m[2] ?? '')) {
    if (k === 'motion') {
      if (!(v in MOTIONS)) throw new ConfigError(path, `demo motion must be pan, zoom or drift, got "${v}"`);
      out.motion = v as DemoMotion;
    } else if (k === 'fps') {
      const fps = Number(v);
      if (!(fps > 0 && fps <= 60)) throw new ConfigError(path, `demo fps must be in (0, 60], got "${v}"`);
      out.fps = fps;
    } else if (k === 'size') {
      const s = /^(\d{2,4})x(\d{2,4})$/.exec(v);
      if (!s) throw new ConfigError(path, `demo size must be WxH, got "${v}"`);
      out.width = Number(s[1]);
      out.height = Number(s[2]);
    } else {
      throw new ConfigError(path, `unknown demo option "${k}" (expected motion, fps, size)`);
    }
  }
  if (!existsSync(demoPhotoPath(out.photo))) {
    throw new ConfigError(path, `demo photo not found: ${demoPhotoPath(out.photo)} (is @vladmandic/face-api installed?)`);
  }
  return out;
}

/** Escapes a file name for use inside a filtergraph option value. */
function escapeFilterPath(p: string): string {
  return p.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:').replace(/,/g, '\\,');
}

/**
 * The `lavfi:` URL that renders a demo source: the photo is read once by `movie`, repeated
 * forever by `loop` (a single cached frame, so no re-decoding), timestamped at `fps`, and
 * `zoompan` moves a virtual camera over it.
 */
export function demoToLavfi(url: string, path = 'url'): string {
  const d = parseDemoUrl(url, path);
  const m = MOTIONS[d.motion];
  const graph = [
    `movie=${escapeFilterPath(demoPhotoPath(d.photo))}`,
    'loop=loop=-1:size=1:start=0',
    `setpts=N/${d.fps}/TB`,
    `zoompan=z='${m.z}':x='${m.x}':y='${m.y}':d=1:s=${d.width}x${d.height}:fps=${d.fps}`,
  ].join(',');
  return `lavfi:${graph}`;
}

/** `url` as `src/video` understands it: `demo:` URLs become `lavfi:` graphs, others pass. */
export function toVideoUrl(url: string, path = 'url'): string {
  return url.startsWith('demo:') ? demoToLavfi(url, path) : url;
}
