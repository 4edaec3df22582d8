/**
 * Prometheus view of tracking events, as a sink: the pipeline publishes every event here like
 * anywhere else, and counts come out as
 *
 * - `ssd_stream_tracks_total{stream,label}` — confirmed tracks (`track.new`)
 * - `ssd_stream_zone_entries_total{stream,zone,label}` / `ssd_stream_zone_exits_total{…}`
 * - `ssd_stream_zone_occupancy{stream,zone,label}` — gauge, entries minus exits
 * - `ssd_stream_line_crossings_total{stream,line,direction,label}`
 *
 * Metrics are looked up on the registry before being created, so several pipelines (or a test)
 * can share one registry without "already registered" errors.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventSink } from './event-sink.js';

function counter(reg: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  return (reg.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames, registers: [reg] });
}

function gauge(reg: Registry, name: string, help: string, labelNames: string[]): Gauge<string> {
  return (reg.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames, registers: [reg] });
}

/** Creates the metrics sink on `registry`. Events without a `stream` field count under `stream=""`. */
export function createMetricsSink(registry: Registry): EventSink {
  const tracks = counter(registry, 'ssd_stream_tracks_total', 'Confirmed tracks', ['stream', 'label']);
  const entries = counter(registry, 'ssd_stream_zone_entries_total', 'Zone entries', ['stream', 'zone', 'label']);
  const exits = counter(registry, 'ssd_stream_zone_exits_total', 'Zone exits', ['stream', 'zone', 'label']);
  const occupancy = gauge(registry, 'ssd_stream_zone_occupancy', 'Tracks inside a zone now', ['stream', 'zone', 'label']);
  const crossings = counter(registry, 'ssd_stream_line_crossings_total', 'Line crossings', ['stream', 'line', 'direction', 'label']);
  return {
    name: 'metrics',
    publish(event: object): void {
      const e = event as Record<string, unknown>;
      const stream = String(e.stream ?? '');
      const label = String(e.label ?? '');
      switch (e.type) {
        case 'track.new':
          tracks.inc({ stream, label });
          break;
        case 'zone.enter':
          entries.inc({ stream, zone: String(e.zone), label });
          occupancy.inc({ stream, zone: String(e.zone), label });
          break;
        case 'zone.exit':
          exits.inc({ stream, zone: String(e.zone), label });
          occupancy.dec({ stream, zone: String(e.zone), label });
          break;
        case 'line.cross':
          crossings.inc({ stream, line: String(e.line), direction: String(e.direction), label });
          break;
        default:
          break;
      }
    },
    async close(): Promise<void> {},
  };
}
