/**
 * The runtime offers stream states by polling only (`streams()`), so the hub compares each poll
 * with the previous one to push `state` and `streams` messages when something changed.
 */
import type { StreamInfo, StreamState } from '../pipeline/runtime-api.js';

/** Stream id → state at the last poll. */
export type StateSnapshot = ReadonlyMap<string, StreamState>;

/** What changed between two polls. */
export interface StateDiff {
  /** Streams whose state differs from the last poll, or that are new. */
  changed: StreamInfo[];
  /** True when any stream changed, appeared or disappeared. */
  listChanged: boolean;
  /** The snapshot to compare the next poll with. */
  next: StateSnapshot;
}

/** Snapshot of `streams`. */
export function snapshotStates(streams: readonly StreamInfo[]): StateSnapshot {
  return new Map(streams.map((s) => [s.id, s.state]));
}

/** Compares a poll with the previous snapshot. */
export function diffStates(prev: StateSnapshot, streams: readonly StreamInfo[]): StateDiff {
  const changed = streams.filter((s) => prev.get(s.id) !== s.state);
  const next = snapshotStates(streams);
  const removed = [...prev.keys()].some((id) => !next.has(id));
  return { changed, listChanged: changed.length > 0 || removed, next };
}
