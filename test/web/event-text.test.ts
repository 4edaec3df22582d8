import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/web/event-text.js';

describe('describeEvent', () => {
  it('names the zone or line, the object and the dwell time', () => {
    expect(describeEvent({ type: 'zone.exit', zone: 'door', trackId: 7, label: 'person', dwellMs: 2500 })).toBe(
      'zone.exit · door · person #7 · 2.5 s inside',
    );
    expect(describeEvent({ type: 'line.cross', line: 'gate', direction: 'in', trackId: 3 })).toBe('line.cross · gate in · #3');
    expect(describeEvent({ type: 'custom.thing', zone: 42 })).toBe('custom.thing');
  });
});
