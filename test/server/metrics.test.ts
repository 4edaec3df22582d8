import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, STAGES, type Metrics } from '../../src/server/metrics.js';
import { parsePromText } from './prom-text.js';

describe('createMetrics', () => {
  const made: Metrics[] = [];
  const make = (opts?: Parameters<typeof createMetrics>[0]): Metrics => {
    const m = createMetrics(opts);
    made.push(m);
    return m;
  };
  afterEach(() => {
    for (const m of made.splice(0)) m.close();
  });

  it('exports every project metric with the house names and parses as Prometheus text', async () => {
    const m = make();
    for (const s of STAGES) m.stage[s].observe({ stream: 'cam1', model: 'face' }, 0.012);
    m.framesIn.inc({ stream: 'cam1' }, 3);
    m.framesProcessed.inc({ stream: 'cam1', model: 'face' }, 2);
    m.framesDropped.inc({ stream: 'cam1', reason: 'busy' });
    m.batchSize.observe({ model: 'face' }, 2);
    m.setStreamState('cam1', 'live');
    m.reconnects.inc({ stream: 'cam1' });
    m.wsClients.set(2);
    m.wsDropped.inc({ reason: 'slow_client' });
    m.zoneOccupancy.set({ stream: 'cam1', zone: 'door', class: 'person' }, 1);
    m.lineCrossings.inc({ stream: 'cam1', line: 'gate', direction: 'in' });
    m.events.inc({ stream: 'cam1', type: 'track.new' });
    const fams = parsePromText(await m.registry.metrics());

    for (const s of STAGES) {
      const f = fams.get(`ssd_stream_${s}_seconds`);
      expect(f?.type).toBe('histogram');
      const count = f!.samples.find((x) => x.name.endsWith('_count') && x.labels.stream === 'cam1');
      expect(count?.value).toBe(1);
      expect(count?.labels.model).toBe('face');
      // 12 ms falls in the 15 ms bucket but not in the 10 ms one.
      const b10 = f!.samples.find((x) => x.labels.le === '0.01' && x.labels.stream === 'cam1');
      const b15 = f!.samples.find((x) => x.labels.le === '0.015' && x.labels.stream === 'cam1');
      expect([b10?.value, b15?.value]).toEqual([0, 1]);
    }
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      fams
        .get(name)
        ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('ssd_stream_frames_in_total', { stream: 'cam1' })).toBe(3);
    expect(value('ssd_stream_frames_processed_total', { stream: 'cam1', model: 'face' })).toBe(2);
    expect(value('ssd_stream_frames_dropped_total', { reason: 'busy' })).toBe(1);
    expect(fams.get('ssd_stream_batch_size')?.type).toBe('histogram');
    expect(value('ssd_stream_stream_state', { stream: 'cam1', state: 'live' })).toBe(1);
    expect(value('ssd_stream_stream_state', { stream: 'cam1', state: 'backoff' })).toBe(0);
    expect(value('ssd_stream_reconnects_total')).toBe(1);
    expect(value('ssd_stream_ws_clients')).toBe(2);
    expect(value('ssd_stream_ws_dropped_messages_total', { reason: 'slow_client' })).toBe(1);
    expect(value('ssd_stream_zone_occupancy', { zone: 'door', class: 'person' })).toBe(1);
    expect(value('ssd_stream_line_crossings_total', { direction: 'in' })).toBe(1);
    expect(value('ssd_stream_events_total', { type: 'track.new' })).toBe(1);
    expect(fams.get('ssd_stream_event_loop_lag_seconds')?.type).toBe('histogram');
    // Default process metrics are there too.
    expect(fams.has('process_cpu_user_seconds_total')).toBe(true);
    expect(fams.has('nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('switches the state gauge so exactly one state is 1', async () => {
    const m = make();
    m.setStreamState('a', 'connecting');
    m.setStreamState('a', 'backoff');
    const fam = parsePromText(await m.registry.metrics()).get('ssd_stream_stream_state')!;
    const ones = fam.samples.filter((s) => s.value === 1).map((s) => s.labels.state);
    expect(ones).toEqual(['backoff']);
    expect(fam.samples).toHaveLength(4);
  });

  it('removeStream drops only the label sets of that stream', async () => {
    const m = make();
    for (const stream of ['gone', 'kept']) {
      m.stage.inference.observe({ stream, model: 'x' }, 0.01);
      m.framesIn.inc({ stream });
      m.framesDropped.inc({ stream, reason: 'busy' });
      m.setStreamState(stream, 'live');
      m.zoneOccupancy.set({ stream, zone: 'z', class: 'c' }, 2);
    }
    m.removeStream('gone');
    const text = await m.registry.metrics();
    expect(text).not.toMatch(/stream="gone"/);
    expect(text.match(/stream="kept"/g)?.length).toBeGreaterThan(10);
  });

  it('gives each call its own registry and honours a prefix', async () => {
    const a = make();
    const b = make({ prefix: 'other_' });
    a.framesIn.inc({ stream: 's' });
    expect(await b.registry.getSingleMetricAsString('other_frames_in_total')).not.toMatch(/stream="s"/);
    expect(await a.registry.getSingleMetricAsString('ssd_stream_frames_in_total')).toMatch(/stream="s"} 1/);
  });

  it('samples event-loop lag: a blocked loop shows up in the histogram', async () => {
    const m = make({ lagSampleMs: 100 });
    await new Promise((r) => setTimeout(r, 150));
    const start = Date.now();
    while (Date.now() - start < 120) {
      // block the loop on purpose
    }
    await new Promise((r) => setTimeout(r, 250));
    const fam = parsePromText(await m.registry.metrics()).get('ssd_stream_event_loop_lag_seconds')!;
    const count = fam.samples.find((s) => s.name.endsWith('_count'))!.value;
    const under50ms = fam.samples.find((s) => s.labels.le === '0.05')!.value;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(count - under50ms).toBeGreaterThanOrEqual(1); // the 120 ms block
  });
});
