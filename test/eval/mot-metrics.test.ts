import { describe, expect, it } from 'vitest';
import { evaluateMot } from '../../src/eval/mot-metrics.js';
import { formatMot, parseMot, type MotRow } from '../../src/eval/mot.js';
import { isSsdsError, ErrorCodes } from '../../src/errors.js';

const B: [number, number, number, number] = [100, 100, 50, 100]; // xywh
const row = (frame: number, id: number, box = B, extra: Partial<MotRow> = {}): MotRow => ({
  frame,
  id,
  box,
  conf: 1,
  ...extra,
});
const gtTrack = (id: number, frames: number[], box = B): MotRow[] => frames.map((f) => row(f, id, box, { classId: 1 }));

describe('MOTChallenge IO', () => {
  it('parses gt and result rows, and writes results back', () => {
    const rows = parseMot('1,3,10.5,20,30,40,1,1,0.8\n\n2,3,11,20,30,40,0,7,0.1\n1,-1,5,5,10,10,0.93,-1,-1,-1\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({ frame: 1, id: 3, box: [10.5, 20, 30, 40], conf: 1, classId: 1, visibility: 0.8 });
    expect(rows[1].conf).toBe(0);
    expect(rows[2].conf).toBeCloseTo(0.93);
    const text = formatMot([row(2, 5, [1, 2, 3.25, 4]), row(1, 7)]);
    expect(text).toBe('1,7,100,100,50,100,1,-1,-1,-1\n2,5,1,2,3.25,4,1,-1,-1,-1\n');
    expect(parseMot(text).map((r) => r.id)).toEqual([7, 5]);
  });

  it('rejects a malformed line with FILE_INVALID naming file and line', () => {
    try {
      parseMot('1,2,3,4,5,6\n1,2,x,4\n', 'gt.txt');
      expect.unreachable();
    } catch (e) {
      expect(isSsdsError(e, ErrorCodes.FILE_INVALID)).toBe(true);
      expect((e as Error).message).toContain('gt.txt:2');
    }
  });
});

describe('CLEAR MOT and IDF1 on hand-worked cases', () => {
  it('perfect tracking', () => {
    const gt = gtTrack(1, [1, 2, 3]);
    const m = evaluateMot(gt, [row(1, 9), row(2, 9), row(3, 9)]);
    expect(m).toMatchObject({ mota: 1, motp: 1, idf1: 1, tp: 3, fp: 0, fn: 0, idSwitches: 0, fragmentations: 0 });
    expect(m).toMatchObject({ mostlyTracked: 1, partiallyTracked: 0, mostlyLost: 0 });
  });

  it('an ID switch: gt 1 over 4 frames, hyp 10 then hyp 11', () => {
    const m = evaluateMot(gtTrack(1, [1, 2, 3, 4]), [row(1, 10), row(2, 10), row(3, 11), row(4, 11)]);
    // TP 4, FP 0, FN 0, IDSW 1 → MOTA = 1 − 1/4. Identity: best single hyp covers 2 of 4 frames,
    // IDTP 2, IDFP 2 (hyp 11's frames), IDFN 2 → IDF1 = 4 / (4 + 2 + 2) = 0.5.
    expect(m).toMatchObject({ tp: 4, fp: 0, fn: 0, idSwitches: 1, fragmentations: 0 });
    expect(m.mota).toBeCloseTo(0.75, 12);
    expect(m).toMatchObject({ idtp: 2, idfp: 2, idfn: 2 });
    expect(m.idf1).toBeCloseTo(0.5, 12);
    expect(m.idp).toBeCloseTo(0.5, 12);
    expect(m.idr).toBeCloseTo(0.5, 12);
  });

  it('a fragmentation: gt 1 over 5 frames, missed in frame 3', () => {
    const m = evaluateMot(gtTrack(1, [1, 2, 3, 4, 5]), [row(1, 10), row(2, 10), row(4, 10), row(5, 10)]);
    // TP 4, FN 1 → MOTA 0.8; one interruption → FM 1; tracked 4/5 = 80 % is not > 80 % → PT.
    expect(m).toMatchObject({ tp: 4, fn: 1, fp: 0, idSwitches: 0, fragmentations: 1 });
    expect(m.mota).toBeCloseTo(0.8, 12);
    expect(m).toMatchObject({ mostlyTracked: 0, partiallyTracked: 1, mostlyLost: 0 });
    // IDTP 4, IDFN 1, IDFP 0 → IDF1 = 8/9
    expect(m.idf1).toBeCloseTo(8 / 9, 12);
  });

  it('a fragmentation that resumes with a new id counts both', () => {
    const m = evaluateMot(gtTrack(1, [1, 2, 3, 4, 5]), [row(1, 10), row(2, 10), row(4, 11), row(5, 11)]);
    expect(m).toMatchObject({ idSwitches: 1, fragmentations: 1, fn: 1 });
    expect(m.mota).toBeCloseTo(1 - 2 / 5, 12);
  });

  it('low overlap is a FP and a FN; MOTP is the mean IoU of matches', () => {
    // Frame 1: exact. Frame 2: hyp shifted by 25 px in x → IoU 25·100/(2·5000 − 2500) = 1/3 < 0.5.
    // Frame 3: shifted 10 px → IoU 4000/6000 = 2/3.
    const m = evaluateMot(gtTrack(1, [1, 2, 3]), [row(1, 5), row(2, 5, [125, 100, 50, 100]), row(3, 5, [110, 100, 50, 100])]);
    expect(m).toMatchObject({ tp: 2, fp: 1, fn: 1, idSwitches: 0 });
    expect(m.motp).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(m.mota).toBeCloseTo(1 - 2 / 3, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
  });

  it('continuity beats a higher IoU at a crossing (no switch charged)', () => {
    const A: [number, number, number, number] = [0, 0, 10, 10];
    const Bx: [number, number, number, number] = [2, 0, 10, 10]; // IoU(A, B) = 80/120 = 2/3
    const gt = [...gtTrack(1, [1, 2], A), ...gtTrack(2, [1, 2], Bx)];
    // Frame 2: each hyp sits exactly on the other gt, but still overlaps its own by 2/3.
    const hyp = [row(1, 10, A), row(1, 11, Bx), row(2, 10, Bx), row(2, 11, A)];
    const m = evaluateMot(gt, hyp);
    expect(m.idSwitches).toBe(0);
    expect(m.tp).toBe(4);
    expect(m.motp).toBeCloseTo((1 + 1 + 2 / 3 + 2 / 3) / 4, 12);
  });

  it('MOTChallenge preprocessing: distractors excuse hyps, flag-0 and non-pedestrian gt are ignored', () => {
    const far: [number, number, number, number] = [500, 500, 40, 80];
    const car: [number, number, number, number] = [800, 500, 100, 60];
    const gt = [
      row(1, 1, B, { classId: 1 }),
      row(1, 2, far, { classId: 8 }), // distractor: the hyp on it is removed
      row(1, 3, car, { classId: 3 }), // car: gt dropped, hyp on it remains a FP
      row(1, 4, [0, 0, 20, 20], { classId: 1, conf: 0 }), // flag 0: dropped
    ];
    const hyp = [row(1, 10, B), row(1, 11, far), row(1, 12, car)];
    const m = evaluateMot(gt, hyp);
    expect(m).toMatchObject({ numGt: 1, numHyp: 2, tp: 1, fp: 1, fn: 0 });
    // MOT15 layout: column 8 is a world coordinate (−1), not a class: every row is a pedestrian.
    const mot15 = parseMot('1,1,100,100,50,100,1,-1,-1,-1\n2,1,100,100,50,100,1,-1,-1,-1\n');
    expect(evaluateMot(mot15, [row(1, 3), row(2, 3)])).toMatchObject({ numGt: 2, tp: 2, mota: 1 });
    const raw = evaluateMot(gt, hyp, { preprocess: false });
    expect(raw).toMatchObject({ numGt: 4, tp: 3, fn: 1, fp: 0 });
  });
});
