/**
 * A history the tool itself will not go past (MigrationStatus.blocked):
 * refused before anything is touched, with the tool's own way out.
 */
import { DbrollbackError } from '../errors.js';
import type { MigrationStatus } from './contract.js';

export function assertNotBlocked(status: MigrationStatus): void {
  if (!status.blocked) return;
  throw new DbrollbackError('MIGRATIONS_INVALID', status.blocked.message, { hint: status.blocked.hint, details: { migrator: status.migrator } });
}
