import { describe, expect, it } from 'vitest';
import { diffStates, snapshotStates } from '../../src/server/stream-state-diff.js';
import { streamInfo } from './fake-runtime.js';

describe('diffStates', () => {
  const a = streamInfo('a', { state: 'live' });
  const b = streamInfo('b', { state: 'connecting' });
  const prev = snapshotStates([a, b]);

  it('reports nothing when nothing changed', () => {
    expect(diffStates(prev, [a, b])).toMatchObject({ changed: [], listChanged: false });
  });

  it('reports state changes and new streams', () => {
    const d = diffStates(prev, [{ ...a, state: 'backoff' }, b, streamInfo('c')]);
    expect(d.changed.map((s) => `${s.id}:${s.state}`)).toEqual(['a:backoff', 'c:live']);
    expect(d.listChanged).toBe(true);
    expect([...d.next]).toEqual([['a', 'backoff'], ['b', 'connecting'], ['c', 'live']]);
  });

  it('reports a removed stream as a list change without state messages', () => {
    expect(diffStates(prev, [a])).toMatchObject({ changed: [], listChanged: true });
  });
});
