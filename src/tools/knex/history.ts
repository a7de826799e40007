/**
 * Knex's history: `knex_migrations(id, name, batch, migration_time)` (or the
 * knexfile's tableName / schemaName), one row per applied migration, in
 * insert order (id); `batch` groups what one `knex migrate:latest` applied
 * (`knex migrate:up` gives each migration a batch of its own). Its lock is
 * the one row of `<table>_lock(index, is_locked)`: Knex sets is_locked = 1
 * while it migrates and clears it when done; a killed run leaves it set
 * until `knex migrate:unlock`. dbrollback reads both; Knex writes them (every
 * up and down goes through Knex's Migrator).
 */
import { quoteIdent, quoteQualified, type Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import type { TableToolLock } from '../contract.js';
import type { HistoryEntry } from '../status-of.js';

export interface KnexTable {
  schema: string | null;
  table: string;
}

export interface KnexRow extends HistoryEntry {
  batch: number;
}

function qualified(t: KnexTable, table = t.table): string {
  // Without a schemaName Knex names the table unqualified: the search_path decides, for it and for us.
  return t.schema === null ? quoteIdent(table) : quoteQualified(t.schema, table);
}

async function exists(db: Db, name: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return rows[0]?.ok === true;
}

/** Read-only: no table means nothing applied (Knex creates it on its first run). */
export async function readHistory(db: Db, t: KnexTable): Promise<KnexRow[]> {
  const name = qualified(t);
  if (!(await exists(db, name))) return [];
  const { rows } = await db.query<{ name: string; batch: number; migration_time: Date | null }>(`SELECT name, batch, migration_time FROM ${name} ORDER BY id`);
  return rows.map((r) => ({ name: r.name, batch: r.batch, appliedAt: r.migration_time }));
}

/** "<table>_lock.is_locked = 1" when Knex's lock is set, else null. */
export async function lockHeld(db: Db, t: KnexTable): Promise<string | null> {
  const name = qualified(t, `${t.table}_lock`);
  if (!(await exists(db, name))) return null;
  const { rows } = await db.query<{ locked: boolean }>(`SELECT COALESCE(bool_or(is_locked = 1), false) AS locked FROM ${name}`);
  return rows[0]?.locked ? `set: ${t.schema ? `${t.schema}.` : ''}${t.table}_lock.is_locked = 1 (if no knex migration is running, a killed run left it: clear it with \`knex migrate:unlock\`)` : null;
}

export function knexLock(t: KnexTable): TableToolLock {
  return { owner: 'knex', held: (db) => lockHeld(db, t) };
}

export function lockHeldError(held: string): DbrollbackError {
  return new DbrollbackError('LOCK_HELD', `knex is migrating this database (its lock is ${held}). Nothing was changed.`, {
    hint: 'Wait for the running knex migration to finish and try again. If none is running, run `knex migrate:unlock` first.',
  });
}
