/**
 * Events raised by zones and lines. Boxes are the track's `xyxy` box at the moment of the event.
 */

/** Fields every zone or line event carries. */
interface ZoneEventBase {
  trackId: number;
  label: string;
  classId: number;
  box: [number, number, number, number];
  /** ms timestamp of the update that raised it. */
  at: number;
}

/** A track's anchor point entered a zone. */
export interface ZoneEnterEvent extends ZoneEventBase {
  type: 'zone.enter';
  zone: string;
}

/** A track left a zone (`left`: seen outside; `lost`: no longer tracked). */
export interface ZoneExitEvent extends ZoneEventBase {
  type: 'zone.exit';
  zone: string;
  /** Time spent inside: from the entering update to the last update seen inside, ms. */
  dwellMs: number;
  reason: 'left' | 'lost';
}

/** A track crossed a counting line; `in` is from the line's left to its right (on screen). */
export interface LineCrossEvent extends ZoneEventBase {
  type: 'line.cross';
  line: string;
  direction: 'in' | 'out';
}

/** Any zone or line event. */
export type ZoneEvent = ZoneEnterEvent | ZoneExitEvent | LineCrossEvent;
