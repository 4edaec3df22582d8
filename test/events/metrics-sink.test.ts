import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createMetricsSink } from '../../src/events/metrics-sink.js';
import { fanOut, DropOldestQueue, type EventSink } from '../../src/events/event-sink.js';
import { createZoneMonitor } from '../../src/tracking/zones.js';
import type { Detection } from '../../src/types.js';

describe('metrics sink', () => {
  it('turns zone and line events from a real zone monitor into Prometheus series', async () => {
    const reg = new Registry();
    const sink = createMetricsSink(reg);
    createMetricsSink(reg); // a second pipeline on the same registry must not throw
    const zm = createZoneMonitor({
      zones: [{ name: 'door', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }],
      lines: [{ name: 'gate', from: [0, 0.5], to: [1, 0.5] }],
    });
    const d = (id: number, y: number): Detection => ({ box: [0.4, y - 0.1, 0.5, y], score: 1, classId: 1, label: 'person', trackId: id });
    const frames = [[d(1, 0.4), d(2, 0.4)], [d(1, 0.6), d(2, 0.6)], [d(1, 0.4), d(2, 0.7)]];
    frames.forEach((f, i) => {
      for (const e of zm.update(f, i * 100)) sink.publish({ ...e, stream: 'cam1' });
    });
    sink.publish({ type: 'track.new', stream: 'cam1', label: 'person' });
    const text = await reg.metrics();
    expect(text).toContain('ssd_stream_zone_entries_total{stream="cam1",zone="door",label="person"} 2');
    expect(text).toContain('ssd_stream_zone_exits_total{stream="cam1",zone="door",label="person"} 1');
    expect(text).toContain('ssd_stream_zone_occupancy{stream="cam1",zone="door",label="person"} 1');
    expect(text).toContain('ssd_stream_line_crossings_total{stream="cam1",line="gate",direction="in",label="person"} 2');
    expect(text).toContain('ssd_stream_line_crossings_total{stream="cam1",line="gate",direction="out",label="person"} 1');
    expect(text).toContain('ssd_stream_tracks_total{stream="cam1",label="person"} 1');
  });
});

describe('fanOut and the bounded queue', () => {
  it('a throwing sink does not stop the others', async () => {
    const got: object[] = [];
    const bad: EventSink = { name: 'bad', publish: () => { throw new Error('boom'); }, close: async () => {} };
    const good: EventSink = { name: 'good', publish: (e) => void got.push(e), close: async () => {} };
    const all = fanOut([bad, good]);
    all.publish({ type: 'x' });
    expect(got).toEqual([{ type: 'x' }]);
    await all.close();
  });

  it('drops the oldest when full', () => {
    const q = new DropOldestQueue<number>(3);
    for (let i = 0; i < 5000; i++) q.push(i);
    expect(q.length).toBe(3);
    expect(q.dropped).toBe(4997);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([4997, 4998, 4999, undefined]);
  });
});
