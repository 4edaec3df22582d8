/** `ssd-stream detect` (not built yet). */
import type { Command } from 'commander';
import { SsdsError, ErrorCodes } from '../errors.js';

export function register(program: Command): void {
  program
    .command('detect')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new SsdsError(ErrorCodes.CONFIG_INVALID, 'detect is not available yet');
    });
}
