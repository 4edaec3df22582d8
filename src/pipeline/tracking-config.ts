/**
 * Config schemas of the tracking stages as a pipeline sees them (`tracker`, `zones`, `lines`,
 * `events`): the tracking and events modules own them; this file only gathers them so the
 * pipeline schema stays one closed object.
 */
import { zonesConfigSchema } from '../tracking/zones-config.js';

/** `tracker:` — ByteTrack or SORT settings (src/tracking/tracker-config.ts). */
export { trackerConfigSchema, type TrackerConfig } from '../tracking/tracker-config.js';

/** `zones:` — polygon zones, names unique (src/tracking/zones-config.ts). */
export const zonesListSchema = zonesConfigSchema.shape.zones;

/** `lines:` — directed counting lines, names unique. */
export const linesListSchema = zonesConfigSchema.shape.lines;

/** `events:` — MQTT and webhook sinks (src/events/sinks-config.ts). */
export { eventSinksConfigSchema } from '../events/sinks-config.js';
