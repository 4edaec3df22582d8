/**
 * Parsing of numeric CLI options with errors that name the option.
 */
import { ConfigError } from '../errors.js';

/**
 * `undefined` when the option was not given, else its value checked against [min, max]
 * (and integer when `integer`). Throws ConfigError naming the option otherwise.
 */
export function parseOptionalNumber(
  option: string,
  raw: string | undefined,
  min: number,
  max: number,
  integer = false,
): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const kind = integer ? 'an integer' : 'a number';
  if (raw.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    throw new ConfigError(option, `expected ${kind} in [${min}, ${max}], got "${raw}"`);
  }
  return v;
}
