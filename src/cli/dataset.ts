/** `ssd-stream dataset` (not built yet). */
import type { Command } from 'commander';
import { SsdsError, ErrorCodes } from '../errors.js';

export function register(program: Command): void {
  program
    .command('dataset')
    .description('(not available yet)')
    .allowUnknownOption()
    .action(() => {
      throw new SsdsError(ErrorCodes.CONFIG_INVALID, 'dataset is not available yet');
    });
}
