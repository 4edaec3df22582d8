/**
 * Turns a command's failure into one clear line and a non-zero exit; the stack only with
 * `--verbose`.
 */
import { SsdsError } from '../errors.js';

let verbose = false;

/** Called by the root program when `--verbose` is given. */
export function setVerbose(v: boolean): void {
  verbose = v;
}

/** Prints `e` the way the CLI reports errors and returns the exit code. */
export function reportError(e: unknown): number {
  if (e instanceof SsdsError) {
    process.stderr.write(`ssd-stream: ${e.message} [${e.code}]\n`);
  } else {
    process.stderr.write(`ssd-stream: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return e instanceof SsdsError ? 1 : 2;
}

/**
 * Wraps a commander action: awaits it, reports any error, sets the exit code. Commands that keep
 * running (serve) simply never resolve until shutdown.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      process.exitCode = reportError(e);
    }
  };
}
