/**
 * What every tool without down migrations (Drizzle, Prisma) answers where
 * another tool would run a down: a refusal that names the way back instead
 * (a restore to the moment before the oldest migration selected), made
 * before anything is touched, and a down whose SQL is "none".
 */
import { DbrollbackError } from '../errors.js';
import type { MigrationInfo, MigrationSql } from './contract.js';

/** The restore that takes the database back to just before `oldest`, as the plan recommends it. */
export function restoreCommandBefore(oldest: string): string {
  return `dbrollback restore --before-migration ${oldest} --data-dir DIR (or --backup auto for the logical backup taken before it)`;
}

/** Refuse an undo: the tool has no downs, so the selection can only be rolled back by a restore. */
export function noDownsRefusal(displayName: string, selection: readonly MigrationInfo[]): DbrollbackError {
  const oldest = selection.at(-1)?.name ?? 'NAME';
  return new DbrollbackError(
    'IRREVERSIBLE',
    `refusing to undo ${selection.map((m) => m.name).join(', ')}: ${displayName} has no down migrations, so the way back is a restore. Nothing was changed.`,
    {
      hint: `Restore to the moment before ${oldest}: ${restoreCommandBefore(oldest)}; \`dbrollback plan\` shows the options (only some tables: --tables T1,T2 --into-database URL).`,
      details: { migrations: selection.map((m) => m.name), wayBack: 'restore' },
    },
  );
}

/** The "down" of a migration of such a tool, for plans and dry runs. */
export function noDownSql(displayName: string, name: string): MigrationSql {
  return { name, direction: 'down', sql: '', source: 'unknown', path: null, note: `${displayName} has no down migrations: the way back is a restore` };
}
