/**
 * The process logger (pino). Logs go to stderr so that commands like `detect` can print JSON
 * on stdout. `SSDS_LOG_LEVEL` (or `--verbose`) sets the level.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Root logger; modules take a child with `logger.child({ module: 'x' })`. */
export const logger: Logger = pino(
  { level: process.env.SSDS_LOG_LEVEL ?? 'info', base: undefined },
  pino.destination(2),
);

/** Sets the level of the root logger (e.g. from `--verbose`). */
export function setLogLevel(level: string): void {
  logger.level = level;
}
