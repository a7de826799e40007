/**
 * A history the tool itself will not go past (MigrationStatus.blocked):
 * refused before anything is touched, with the tool's own way out — the
 * same error from plan, migrate and undo (a Flyway failed migration, a dirty
 * golang-migrate version).
 */
import { DbrollbackError } from '../errors.js';
import type { MigrationStatus } from './contract.js';

export function assertNotBlocked(status: MigrationStatus): void {
  if (!status.blocked) return;
  const { code = 'MIGRATIONS_INVALID', message, hint, details } = status.blocked;
  throw new DbrollbackError(code, message, { hint, details: { ...details, migrator: status.migrator } });
}

/** Before a migrate: what blocks everything, then what the tool's validation refuses to migrate past. */
export function assertMayMigrate(status: MigrationStatus): void {
  assertNotBlocked(status);
  if (!status.migrateBlocked) return;
  const { message, hint, details } = status.migrateBlocked;
  throw new DbrollbackError('MIGRATIONS_INVALID', message, { hint, details: { ...details, migrator: status.migrator } });
}
