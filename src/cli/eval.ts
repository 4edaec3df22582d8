/** `ssd-stream eval` (not built yet). */
import type { Command } from 'commander';
import { SsdsError, ErrorCodes } from '../errors.js';

export function register(program: Command): void {
  program
    .command('eval')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new SsdsError(ErrorCodes.CONFIG_INVALID, 'eval is not available yet');
    });
}
