/**
 * Exponential backoff with jitter for source restarts: attempt n waits
 * `min(maxMs, initialMs * factor^n)`, spread by ±`jitter` so that many cameras behind one
 * failed switch do not reconnect in lockstep.
 */

/** Backoff settings; all optional, see {@link BACKOFF_DEFAULTS}. */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Relative spread, 0..1: 0.2 means ±20 %. */
  jitter?: number;
}

/** Defaults, with units. */
export const BACKOFF_DEFAULTS: Required<BackoffOptions> = {
  initialMs: 500, // ms
  maxMs: 30_000, // ms
  factor: 2,
  jitter: 0.2, // ±20 %
};

/**
 * Delay before restart attempt `attempt` (0 for the first restart after a failure).
 * @param random a uniform [0,1) source, injectable for tests
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialMs, maxMs, factor, jitter } = { ...BACKOFF_DEFAULTS, ...options };
  const base = Math.min(maxMs, initialMs * Math.pow(factor, attempt));
  const spread = 1 + jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * spread));
}
