/**
 * A migration named by its file, as `ls` shows it (`000003_add_index.up.sql`,
 * `db/migrations/20250305000000_normalize.sql`): the name an on-call engineer
 * copies from the folder when --to or --before-migration asks for the name
 * status lists (`000003_add_index`). A down file names its up's migration.
 */
import path from 'node:path';
import type { MigrationInfo } from './contract.js';

/** The name of the migration whose file `given` names, else `given` unchanged (a name, a tag, or nothing known). */
export function migrationNameOf(given: string, migrations: readonly MigrationInfo[]): string {
  if (migrations.some((m) => m.name === given)) return given;
  const file = path.basename(given);
  const asUp = file.replace(/\.down\.([^.]+)$/i, '.up.$1');
  const found = migrations.find((m) => m.path !== null && (path.basename(m.path) === file || path.basename(m.path) === asUp));
  return found?.name ?? given;
}
