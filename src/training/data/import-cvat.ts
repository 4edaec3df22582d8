/**
 * CVAT XML 1.1, both dumps:
 * - "CVAT for video": `<track label>` elements holding `<box frame outside occluded keyframe
 *   xtl ytl xbr ybr>`; `frame` is the video frame index. CVAT writes a box for every frame of a
 *   track (interpolated ones with `keyframe="0"`), but hand-made or trimmed files may carry only
 *   keyframes, so gaps between boxes are filled by linear interpolation (CVAT's own rule) and a
 *   track lasts until a box with `outside="1"` or the task's last frame.
 * - "CVAT for images": `<image name width height>` elements holding `<box label ...>`.
 * `<polygon points>` shapes count as their bounding box. Boxes are pixel xyxy. A label named
 * `ignore`/`DontCare` makes an ignore region; a boolean attribute `ignore`/`difficult`/`crowd`
 * makes an ignored box.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdsError, ErrorCodes } from '../../errors.js';
import { DatasetBuilder } from './dataset-builder.js';
import type { Dataset, XyxyPx } from './dataset-format.js';
import { ImportReport } from './import-report.js';
import { readImageSize } from './image-size.js';
import { resolveVideoFrames, type VideoFrameSource } from './video-frames.js';
import { child, childText, children, parseXml, type XmlElement } from './xml.js';

/** Options of {@link importCvat}. */
export interface CvatImportOptions extends VideoFrameSource {
  report?: ImportReport;
}

/** One box of a track at one frame, with the XML line it came from. */
interface TrackShape {
  frame: number;
  xyxy: XyxyPx;
  outside: boolean;
  occluded: boolean;
  /** A boolean attribute `ignore`/`difficult`/`crowd` set on the shape. */
  ignore: boolean;
  line: number;
}

/** CVAT boolean attributes that mark a box as not to be learnt or required. */
const IGNORE_ATTRIBUTES = new Set(['ignore', 'ignored', 'difficult', 'crowd', 'iscrowd']);

/** True when one of the shape's `<attribute>` children marks it ignored. */
function hasIgnoreAttribute(el: XmlElement): boolean {
  return children(el, 'attribute').some((a) => IGNORE_ATTRIBUTES.has((a.attrs.name ?? '').toLowerCase()) && /^(true|1|yes)$/i.test(a.text));
}

/** Box of a `<box>` or the bounding box of a `<polygon>`; undefined for other shapes. */
function shapeBox(el: XmlElement): XyxyPx | undefined {
  if (el.name === 'box') return ['xtl', 'ytl', 'xbr', 'ybr'].map((k) => Number(el.attrs[k])) as XyxyPx;
  if (el.name === 'polygon' && el.attrs.points) {
    const pts = el.attrs.points.split(';').map((p) => p.split(',').map(Number));
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }
  return undefined;
}

/** The `<task>` or `<job>` description under `<meta>`. */
function metaTask(root: XmlElement): XmlElement | undefined {
  const meta = child(root, 'meta');
  return meta && (child(meta, 'task') ?? child(meta, 'job'));
}

/**
 * Expands a track's shapes to one per frame on the `step` grid in `[start, end]`: CVAT's linear
 * interpolation between consecutive shapes, persistence after the last visible one, nothing
 * while `outside`.
 */
export function expandTrack(shapes: TrackShape[], start: number, end: number, step: number): TrackShape[] {
  const sorted = [...shapes].sort((a, b) => a.frame - b.frame);
  const out: TrackShape[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    const b = sorted[i + 1];
    if (a.outside) continue;
    const stop = b ? b.frame - 1 : end;
    for (let f = a.frame; f <= stop; f += step) {
      if (f < start || f > end) continue;
      if (f === a.frame || !b || b.outside) {
        out.push({ ...a, frame: f });
        continue;
      }
      const t = (f - a.frame) / (b.frame - a.frame);
      const xyxy = a.xyxy.map((v, k) => v + (b.xyxy[k] - v) * t) as XyxyPx;
      out.push({ frame: f, xyxy, outside: false, occluded: a.occluded, ignore: a.ignore, line: a.line });
    }
  }
  return out;
}

/** Imports a CVAT 1.1 XML file (video or images dump). */
export async function importCvat(file: string, opts: CvatImportOptions = {}): Promise<{ dataset: Dataset; report: ImportReport }> {
  const report = opts.report ?? new ImportReport();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `cannot read CVAT file ${file}`, { cause: e });
  }
  const root = parseXml(text, file);
  if (root.name !== 'annotations') {
    throw new SsdsError(ErrorCodes.DATASET_INVALID, `${file}:${root.line}: root element is <${root.name}>, not CVAT's <annotations>`);
  }
  const task = metaTask(root);
  const labelsEl = task && child(task, 'labels');
  const labels = labelsEl ? children(labelsEl, 'label').map((l) => childText(l, 'name') ?? '').filter(Boolean) : undefined;
  const builder = new DatasetBuilder(report, labels && labels.length ? labels : undefined);
  const dir = path.dirname(path.resolve(file));
  const tracks = children(root, 'track');
  if (tracks.length > 0 || children(root, 'image').length === 0) {
    await importTracks(tracks, task, file, opts, builder);
  } else {
    await importImages(root, file, opts, builder);
  }
  return { dataset: { ...builder.build(`cvat:${path.resolve(file)}`), dir }, report };
}

/** Video dump: every track's boxes on the frames they cover. CVAT writes standalone shapes of a
 * video task as one-frame tracks, so tracks are all there is to read. */
async function importTracks(
  tracks: XmlElement[],
  task: XmlElement | undefined,
  file: string,
  opts: CvatImportOptions,
  builder: DatasetBuilder,
): Promise<void> {
  const report = builder.report;
  const num = (p: string): number | undefined => {
    const v = task ? childText(task, p) : undefined;
    return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  const start = num('start_frame') ?? 0;
  const size = num('size');
  const filter = task ? childText(task, 'frame_filter') ?? '' : '';
  const step = Number(/step\s*=\s*(\d+)/.exec(filter)?.[1] ?? 1) || 1;
  const lastShape = Math.max(
    start,
    ...tracks.flatMap((t) => t.children.map((s) => Number(s.attrs.frame)).filter(Number.isFinite)),
  );
  const end = num('stop_frame') ?? (size !== undefined ? start + (size - 1) * step : lastShape);

  const frames = await resolveVideoFrames({ start, end, step }, opts, file, report);
  let width = num('original_size/width') ?? frames.width;
  let height = num('original_size/height') ?? frames.height;
  if (width !== frames.width || height !== frames.height) {
    // Frames are what the boxes are drawn on: a mismatch means the wrong video was given.
    report.add({
      kind: 'bad-image',
      file,
      message: `annotations are for ${width}x${height} but the frames are ${frames.width}x${frames.height}; using the frames' size`,
    });
    width = frames.width;
    height = frames.height;
  }
  const videoName = path.basename(opts.video ?? opts.imagesDir ?? file).replace(/\.[^.]*$/, '');
  const images = new Map<number, ReturnType<DatasetBuilder['addImage']>>();
  for (const [frame, f] of [...frames.files.entries()].sort((a, b) => a[0] - b[0])) {
    images.set(frame, builder.addImage({ file: f, width, height, video: videoName, frame }));
  }

  for (const track of tracks) {
    const label = track.attrs.label ?? '';
    const shapes: TrackShape[] = [];
    for (const s of track.children) {
      const xyxy = shapeBox(s);
      if (!xyxy) continue;
      const frame = Number(s.attrs.frame);
      if (!Number.isInteger(frame)) {
        report.add({ kind: 'bad-row', file, line: s.line, where: `<${s.name}>`, message: `frame "${s.attrs.frame}" is not a frame number` });
        continue;
      }
      shapes.push({ frame, xyxy, outside: s.attrs.outside === '1', occluded: s.attrs.occluded === '1', ignore: hasIgnoreAttribute(s), line: s.line });
    }
    const trackId = Number.isInteger(Number(track.attrs.id)) ? Number(track.attrs.id) : undefined;
    for (const s of expandTrack(shapes, start, end, step)) {
      const image = images.get(s.frame);
      if (!image) continue; // thinned out by --every, or its picture is missing (reported)
      const at = { file, line: s.line, where: `<track id="${track.attrs.id ?? '?'}"> frame ${s.frame}` };
      builder.addBox(image, s.xyxy, label, at, { occluded: s.occluded, ignore: s.ignore, trackId });
    }
  }
}

/** Images dump: one `<image>` per picture with its shapes. */
async function importImages(root: XmlElement, file: string, opts: CvatImportOptions, builder: DatasetBuilder): Promise<void> {
  const report = builder.report;
  const imagesDir = path.resolve(opts.imagesDir ?? path.dirname(file));
  for (const el of children(root, 'image')) {
    const name = el.attrs.name;
    const at = { file, line: el.line, where: `<image name="${name ?? ''}">` };
    if (!name) {
      report.add({ kind: 'bad-image', ...at, message: '<image> has no name' });
      continue;
    }
    const abs = [path.resolve(imagesDir, name), path.resolve(imagesDir, path.basename(name))].find(existsSync);
    if (!abs) {
      report.add({ kind: 'missing-file', ...at, message: `image ${path.resolve(imagesDir, name)} does not exist` });
      continue;
    }
    let width = Number(el.attrs.width);
    let height = Number(el.attrs.height);
    if (!(width > 0 && height > 0)) {
      const size = await readImageSize(abs);
      if (!size) {
        report.add({ kind: 'bad-image', ...at, message: `${abs} is not a readable image` });
        continue;
      }
      ({ width, height } = size);
    }
    const image = builder.addImage({ file: abs, width, height });
    for (const s of el.children) {
      const xyxy = shapeBox(s);
      if (!xyxy) continue;
      builder.addBox(image, xyxy, s.attrs.label ?? '', { file, line: s.line, where: `<${s.name}>` }, { occluded: s.attrs.occluded === '1', ignore: hasIgnoreAttribute(s) });
    }
  }
}
