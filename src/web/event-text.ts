/**
 * One-line descriptions of pipeline events for a tile's event line
 * (`zone.enter door · face #7`, `line.cross gate in · person #3`).
 */

/** A pipeline event as received (`event` of an `event` message). */
export interface WireEvent {
  type: string;
  [key: string]: unknown;
}

/** Short human text for `ev`; unknown event types still show their type. */
export function describeEvent(ev: WireEvent): string {
  const parts = [ev.type];
  const where = [ev.zone, ev.line, ev.direction].filter((v) => typeof v === 'string').join(' ');
  if (where) parts.push(where);
  const who = [typeof ev.label === 'string' ? ev.label : '', typeof ev.trackId === 'number' ? `#${ev.trackId}` : '']
    .filter(Boolean)
    .join(' ');
  if (who) parts.push(who);
  if (typeof ev.dwellMs === 'number') parts.push(`${(ev.dwellMs / 1000).toFixed(1)} s inside`);
  return parts.join(' · ');
}
