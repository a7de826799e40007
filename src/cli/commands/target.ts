/** The shared `--count N | --to NAME` flags of plan and undo. */
import { DbrollbackError, type DownTarget } from '../../index.js';

export interface TargetFlags {
  count?: number;
  to?: string;
}

/** The target the flags name, or `fallback` when neither flag is given (null: the command requires one). */
export function downTargetOf(flags: TargetFlags, fallback: DownTarget | null): DownTarget | null {
  if (flags.count !== undefined && flags.to !== undefined) {
    throw new DbrollbackError('USAGE', 'give either --count N or --to NAME, not both', {
      hint: '--count 2 rolls back the last two migrations; --to NAME rolls back everything applied after NAME.',
    });
  }
  if (flags.to !== undefined) {
    if (flags.to.trim() === '') throw new DbrollbackError('USAGE', '--to needs a migration name', { hint: 'Run `dbrollback status` for the applied migrations.' });
    return { to: flags.to };
  }
  if (flags.count !== undefined) return { count: flags.count };
  return fallback;
}
