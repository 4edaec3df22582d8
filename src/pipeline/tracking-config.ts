/**
 * Config schemas of the tracking stages as seen by a pipeline (`tracker`, `zones`, `lines`,
 * `events`). Closed like the rest of the config.
 */
import { z } from 'zod';

/** `tracker:` is the tracking module's own closed schema (ByteTrack or SORT). */
export { trackerConfigSchema, type TrackerConfig } from '../tracking/tracker-config.js';

const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

/** A polygon zone in normalised coordinates. */
export const zoneConfigSchema = z
  .object({
    name: z.string().min(1),
    polygon: z.array(point).min(3, 'expected at least 3 points'),
    classes: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type ZoneConfig = z.infer<typeof zoneConfigSchema>;

/** A directed counting line in normalised coordinates. */
export const lineConfigSchema = z
  .object({
    name: z.string().min(1),
    from: point,
    to: point,
    classes: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type LineConfig = z.infer<typeof lineConfigSchema>;

/** Where events go besides `/ws`. */
export const eventSinkConfigSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('mqtt'),
      url: z.string().regex(/^mqtts?:\/\/\S+$/, 'expected mqtt://host[:port]'),
      topic: z.string().min(1).default('ssd-stream/events'),
    })
    .strict(),
  z
    .object({
      type: z.literal('webhook'),
      url: z.string().regex(/^https?:\/\/\S+$/, 'expected http(s)://...'),
    })
    .strict(),
]);
export type EventSinkConfig = z.infer<typeof eventSinkConfigSchema>;
