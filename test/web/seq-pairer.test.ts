import { describe, expect, it } from 'vitest';
import { MAX_PENDING, SeqPairer } from '../../src/web/seq-pairer.js';
import { TRAIL_EXPIRY_MS, TRAIL_LENGTH, TrackTrails } from '../../src/web/track-trails.js';

const r = (seq: number) => ({ seq });

describe('SeqPairer', () => {
  it('pairs a frame with the result of the same seq, whichever comes first', () => {
    const p = new SeqPairer<string, { seq: number }>(true);
    expect(p.addFrame(0, 'f0')).toBeUndefined();
    expect(p.addResult(r(0))).toEqual({ seq: 0, frame: 'f0', result: r(0) });
    expect(p.addResult(r(1))).toBeUndefined();
    expect(p.addFrame(1, 'f1')).toEqual({ seq: 1, frame: 'f1', result: r(1) });
    expect(p.displayedSeq).toBe(1);
  });

  it('drops frames the detector skipped once a later pair is shown, and never goes back', () => {
    const p = new SeqPairer<string, { seq: number }>(true);
    p.addFrame(1, 'f1');
    p.addFrame(2, 'f2'); // skipped by a busy detector: no result will come
    p.addFrame(3, 'f3');
    expect(p.addResult(r(3))).toEqual({ seq: 3, frame: 'f3', result: r(3) });
    expect(p.addFrame(2, 'late')).toBeUndefined();
    expect(p.flushStale()).toBeUndefined(); // f1 and f2 were forgotten
  });

  it('shows results at once when frames are off', () => {
    const p = new SeqPairer<string, { seq: number }>(false);
    expect(p.addFrame(0, 'f0')).toBeUndefined();
    expect(p.addResult(r(0))).toEqual({ seq: 0, result: r(0) });
    p.setFramesWanted(true);
    expect(p.addResult(r(1))).toBeUndefined();
    expect(p.addFrame(1, 'f1')).toEqual({ seq: 1, frame: 'f1', result: r(1) });
  });

  it('starts over when a restarted source counts from 0 again', () => {
    const p = new SeqPairer<string, { seq: number }>(true);
    p.addFrame(500, 'old');
    p.addResult(r(500));
    p.addFrame(0, 'new0'); // far behind: a restart
    expect(p.addResult(r(0))).toEqual({ seq: 0, frame: 'new0', result: r(0) });
    // Shortly after a restart only the result tells: the first frame is lost, the next pairs.
    const q = new SeqPairer<string, { seq: number }>(true);
    q.addFrame(20, 'old');
    q.addResult(r(20));
    expect(q.addFrame(0, 'new0')).toBeUndefined();
    expect(q.addResult(r(0))).toBeUndefined();
    q.addFrame(1, 'new1');
    expect(q.addResult(r(1))).toEqual({ seq: 1, frame: 'new1', result: r(1) });
  });

  it('hands out the newest pending item when pairing stalls, and stays bounded', () => {
    const p = new SeqPairer<string, { seq: number }>(true);
    for (let i = 0; i < MAX_PENDING * 3; i++) p.addFrame(i, `f${i}`);
    expect(p.flushStale()).toEqual({ seq: MAX_PENDING * 3 - 1, frame: `f${MAX_PENDING * 3 - 1}` });
    // The oldest frames were evicted: a result for seq 0 finds nothing (and is itself stale).
    const q = new SeqPairer<string, { seq: number }>(true);
    for (let i = 0; i < MAX_PENDING + 1; i++) q.addFrame(i, `f${i}`);
    expect(q.addResult(r(0))).toBeUndefined();
    expect(q.addResult(r(1))).toEqual({ seq: 1, frame: 'f1', result: r(1) });
  });
});

describe('TrackTrails', () => {
  it('keeps the last centres per track and forgets tracks unseen for a while', () => {
    const t = new TrackTrails();
    for (let i = 0; i < TRAIL_LENGTH + 5; i++) {
      t.update([{ box: [i / 100, 0, i / 100 + 0.1, 0.2], trackId: 1 }, { box: [0, 0, 1, 1] }], i * 10);
    }
    const pts = t.get(1);
    expect(pts).toHaveLength(TRAIL_LENGTH);
    expect(pts.at(-1)![0]).toBeCloseTo((TRAIL_LENGTH + 4) / 100 + 0.05, 10);
    expect(pts.at(-1)![1]).toBeCloseTo(0.1, 10);
    t.update([{ box: [0, 0, 0.1, 0.1], trackId: 2 }], 250 + TRAIL_EXPIRY_MS);
    expect(t.get(1)).toEqual([]);
    expect(t.get(2)).toHaveLength(1);
  });
});
