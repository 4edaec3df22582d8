/**
 * MOTChallenge text files: reading and writing rows, the ground-truth filter MOTChallenge
 * applies, and conversion to and from tracker detections.
 *
 * A row is `frame, id, left, top, width, height, conf, x, y, z` (results and detections) or
 * `frame, id, left, top, width, height, flag, class, visibility` (MOT16/17/20 ground truth).
 * Frames are 1-based, boxes in pixels, `xywh` from the top-left corner.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { SsdsError, ErrorCodes } from '../errors.js';
import type { Detection } from '../types.js';

/** One row of a MOTChallenge file. */
export interface MotRow {
  frame: number;
  /** Track / ground-truth id; −1 in detection files. */
  id: number;
  /** `[left, top, width, height]` pixels (xywh). */
  box: [number, number, number, number];
  /** Detection score, or the "consider" flag (0/1) in ground truth. */
  conf: number;
  /** Ground truth class (1 = pedestrian); absent or −1 in results and detections. */
  classId?: number;
  /** Ground truth visibility ratio. */
  visibility?: number;
}

/**
 * Parses MOTChallenge text. Blank lines are skipped; separators may be commas or whitespace.
 * @param source file name for error messages.
 * @throws SsdsError FILE_INVALID naming the file and line.
 */
export function parseMot(text: string, source = '<input>'): MotRow[] {
  const rows: MotRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const v = line.split(/[\s,]+/).map(Number);
    if (v.length < 6 || v.slice(0, 6).some((x) => !Number.isFinite(x))) {
      throw new SsdsError(
        ErrorCodes.FILE_INVALID,
        `${source}:${i + 1}: not a MOTChallenge row (need frame,id,left,top,width,height,...): "${line.slice(0, 80)}"`,
      );
    }
    const row: MotRow = { frame: v[0], id: v[1], box: [v[2], v[3], v[4], v[5]], conf: Number.isFinite(v[6]) ? v[6] : 1 };
    if (v.length >= 8 && Number.isFinite(v[7])) row.classId = v[7];
    if (v.length >= 9 && Number.isFinite(v[8])) row.visibility = v[8];
    rows.push(row);
  }
  return rows;
}

/** Reads a MOTChallenge file. @throws SsdsError FILE_NOT_FOUND / FILE_INVALID. */
export async function readMotFile(path: string): Promise<MotRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SsdsError(ErrorCodes.FILE_NOT_FOUND, `cannot read MOT file ${path}`, { cause: e });
  }
  return parseMot(text, path);
}

const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));

/** Formats result rows as MOTChallenge text (`frame,id,l,t,w,h,conf,-1,-1,-1`), sorted by frame then id. */
export function formatMot(rows: MotRow[]): string {
  const sorted = [...rows].sort((a, b) => a.frame - b.frame || a.id - b.id);
  return sorted
    .map((r) => `${r.frame},${r.id},${r.box.map(num).join(',')},${r.conf === 1 ? '1' : r.conf.toFixed(4)},-1,-1,-1\n`)
    .join('');
}

/** Writes result rows to `path`. */
export async function writeMotFile(path: string, rows: MotRow[]): Promise<void> {
  await writeFile(path, formatMot(rows));
}

/** MOT16/17/20 class ids. */
export const MotClass = { pedestrian: 1, personOnVehicle: 2, staticPerson: 7, distractor: 8, reflection: 12 } as const;

/**
 * Classes whose ground truth boxes excuse a hypothesis: a tracker box on a person on a vehicle, a
 * static person, a distractor or a reflection is neither a true nor a false positive
 * (MOTChallenge devkit, TrackEval `mot_challenge_2d_box`).
 */
export const motDistractorClasses: ReadonlySet<number> = new Set([2, 7, 8, 12]);

/**
 * Groups rows by frame number. Frames are returned in ascending order and include every frame
 * number seen in either input, so evaluation walks both files in step.
 */
export function groupByFrame(...inputs: MotRow[][]): { frames: number[]; byFrame: Array<Map<number, MotRow[]>> } {
  const byFrame = inputs.map(() => new Map<number, MotRow[]>());
  const frames = new Set<number>();
  inputs.forEach((rows, k) => {
    for (const r of rows) {
      frames.add(r.frame);
      const list = byFrame[k].get(r.frame);
      if (list) list.push(r);
      else byFrame[k].set(r.frame, [r]);
    }
  });
  return { frames: [...frames].sort((a, b) => a - b), byFrame };
}

/** A MOT detection row as a tracker {@link Detection} in pixel `xyxy` (class from column 8 when ≥ 0). */
export function motRowToDetection(r: MotRow): Detection {
  const [l, t, w, h] = r.box;
  const classId = r.classId !== undefined && r.classId >= 0 ? r.classId : 1;
  return { box: [l, t, l + w, t + h], score: r.conf, classId, label: classId === 1 ? 'pedestrian' : String(classId) };
}

/** A tracked detection back to a MOT result row at `frame`. */
export function detectionToMotRow(d: Detection, frame: number): MotRow {
  const [x1, y1, x2, y2] = d.box;
  return { frame, id: d.trackId ?? -1, box: [x1, y1, x2 - x1, y2 - y1], conf: d.score };
}

/** What a MOTChallenge `seqinfo.ini` tells about a sequence. */
export interface SeqInfo {
  name?: string;
  frameRate?: number;
  seqLength?: number;
  width?: number;
  height?: number;
}

/** Parses the `[Sequence]` keys of a `seqinfo.ini` (unknown keys ignored). */
export function parseSeqInfo(text: string): SeqInfo {
  const kv = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) kv.set(m[1].toLowerCase(), m[2]);
  }
  const n = (k: string): number | undefined => {
    const v = Number(kv.get(k));
    return kv.has(k) && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  return { name: kv.get('name'), frameRate: n('framerate'), seqLength: n('seqlength'), width: n('imwidth'), height: n('imheight') };
}
