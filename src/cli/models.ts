/** `ssd-stream models` (not built yet). */
import type { Command } from 'commander';
import { SsdsError, ErrorCodes } from '../errors.js';

export function register(program: Command): void {
  program
    .command('models')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new SsdsError(ErrorCodes.CONFIG_INVALID, 'models is not available yet');
    });
}
