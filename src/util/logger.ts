/**
 * The process logger (pino). Logs go to stderr so that commands like `detect` can print JSON
 * on stdout. `SSDS_LOG_LEVEL` (or `--verbose`) sets the level. A person at a terminal gets
 * readable lines; pipes, files and log collectors get one JSON object per line
 * (`SSDS_LOG_FORMAT=json` forces JSON, `pretty` forces the readable form).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

function destination(): DestinationStream {
  const format = process.env.SSDS_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    // Synchronous, in-process: logs are rare (state changes, errors), never per frame.
    return pretty({ destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY), ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' });
  }
  return pino.destination(2);
}

/** Root logger; modules take a child with `logger.child({ module: 'x' })`. */
export const logger: Logger = pino({ level: process.env.SSDS_LOG_LEVEL ?? 'info', base: undefined }, destination());

/** Sets the level of the root logger (e.g. from `--verbose`). */
export function setLogLevel(level: string): void {
  logger.level = level;
}
