/**
 * The migration head a backup records: asked of the project's own migration
 * tool through its adapter. A project without migrations configured has no
 * head (null); a migrations setup that is configured but broken is an error,
 * not a silent null.
 */
import type { ResolvedConfig } from '../config.js';
import { isDbrollbackError } from '../errors.js';
import { openAdapter } from '../migrate/registry.js';

export interface MigrationHead {
  head: string | null;
  migrator: string | null;
}

export async function migrationHead(config: ResolvedConfig): Promise<MigrationHead> {
  const configured = config.migrationsDir !== undefined || config.migrator !== undefined;
  let adapter;
  try {
    adapter = await openAdapter(config);
  } catch (err) {
    if (!configured && isDbrollbackError(err) && (err.code === 'MIGRATIONS_INVALID' || err.code === 'MIGRATOR_UNKNOWN')) {
      return { head: null, migrator: null };
    }
    throw err;
  }
  try {
    const status = await adapter.status();
    return { head: status.head, migrator: adapter.kind };
  } finally {
    await adapter.close();
  }
}
