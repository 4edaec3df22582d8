/**
 * Zones and lines of a pipeline (`zones:` and `lines:` in the YAML), one closed schema.
 * Coordinates are normalised to [0, 1] of the source frame, like every box that leaves the server.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

/** Defaults with units. */
export const zoneDefaults = Object.freeze({
  /** Box point tested against zones and lines. */
  anchor: 'bottom-center' as 'bottom-center' | 'center',
  /** A track unseen this long while in a zone counts as gone (`zone.exit` with reason `lost`). */
  lostAfterMs: 1000, // ms; ByteTrack's default buffer at 30 fps
  /** A point must be this far from a line to count as on one side (no counting from jitter). */
  hysteresis: 0.005, // normalised distance
});

/** One polygon zone. */
export const zoneSchema = z.strictObject({
  name: z.string().min(1),
  /** Vertices in order, normalised `[x, y]`; at least 3. */
  polygon: z.array(point).min(3),
  /** Labels counted in this zone; all when absent. */
  classes: z.array(z.string()).optional(),
  anchor: z.enum(['bottom-center', 'center']).default(zoneDefaults.anchor),
});

/** One directed counting line: `in` is crossing from its left to its right (see `lines.ts`). */
export const lineSchema = z.strictObject({
  name: z.string().min(1),
  from: point,
  to: point,
  classes: z.array(z.string()).optional(),
  anchor: z.enum(['bottom-center', 'center']).default(zoneDefaults.anchor),
  hysteresis: z.number().min(0).max(0.5).default(zoneDefaults.hysteresis),
});

const uniqueNames = (xs: Array<{ name: string }>): boolean => new Set(xs.map((x) => x.name)).size === xs.length;

/** `{ zones, lines, lostAfterMs }`; names unique within zones and within lines. */
export const zonesConfigSchema = z.strictObject({
  zones: z.array(zoneSchema).default([]).refine(uniqueNames, 'zone names must be unique'),
  lines: z
    .array(lineSchema)
    .default([])
    .refine(uniqueNames, 'line names must be unique')
    .refine((ls) => ls.every((l) => l.from[0] !== l.to[0] || l.from[1] !== l.to[1]), 'a line needs from ≠ to'),
  lostAfterMs: z.number().min(0).default(zoneDefaults.lostAfterMs),
});

/** Validated zone and line config. */
export type ZonesConfig = Readonly<z.output<typeof zonesConfigSchema>>;
/** One validated zone. */
export type ZoneConfig = z.output<typeof zoneSchema>;
/** One validated line. */
export type LineConfig = z.output<typeof lineSchema>;
/** Input form (defaults optional). */
export type ZonesConfigInput = z.input<typeof zonesConfigSchema>;

/**
 * Validates and freezes zone/line config.
 * @param path prefix for error messages (`pipelines[0]`).
 * @throws ConfigError naming the bad key (`pipelines[0].zones.1.polygon`).
 */
export function parseZonesConfig(input: unknown = {}, path = ''): ZonesConfig {
  const r = zonesConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConfigError([path, ...issue.path.map(String)].filter(Boolean).join('.'), issue.message);
  }
  return Object.freeze(r.data);
}
