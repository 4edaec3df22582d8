/** `ssd-stream track` (not built yet). */
import type { Command } from 'commander';
import { SsdsError, ErrorCodes } from '../errors.js';

export function register(program: Command): void {
  program
    .command('track')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new SsdsError(ErrorCodes.CONFIG_INVALID, 'track is not available yet');
    });
}
