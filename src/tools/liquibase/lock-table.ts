/**
 * DATABASECHANGELOGLOCK, Liquibase's lock: one row (ID 1) whose LOCKED is
 * true while a Liquibase run works on the database, with LOCKEDBY (host and
 * address) and LOCKGRANTED (NOW() in the client's zone). Liquibase takes it
 * with `UPDATE … SET LOCKED = TRUE … WHERE ID = 1 AND LOCKED = FALSE` and
 * clears it the same way (StandardLockService, 4.28). dbrollback never acts
 * while it is set, and sets it itself around every write to the changelog
 * table, so a Liquibase started meanwhile waits for dbrollback as it would
 * for another Liquibase. A lock left by a killed run stays set, as
 * Liquibase's does: `liquibase release-locks` clears it.
 */
import os from 'node:os';
import { quoteIdent, quoteLiteral, quoteQualified, type Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import { clientZone, type ChangeLogTable } from './history.js';

export interface LockRow {
  lockedBy: string | null;
  granted: Date | null;
}

/** The lock table that goes with a changelog table (Liquibase's default names: DATABASECHANGELOG, DATABASECHANGELOGLOCK). */
export function lockTableOf(t: ChangeLogTable): ChangeLogTable {
  return { schema: t.schema, table: `${t.table}lock` };
}

/** Who holds Liquibase's lock, or null when it is free (or the table does not exist yet). */
export async function lockRow(db: Db, t: ChangeLogTable): Promise<LockRow | null> {
  const lock = lockTableOf(t);
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [quoteQualified(lock.schema, lock.table)]);
  if (!exists[0]?.ok) return null;
  const { rows } = await db.query<{ lockedby: string | null; lockgranted: Date | null }>(`SELECT lockedby, lockgranted FROM ${quoteQualified(lock.schema, lock.table)} WHERE id = 1 AND locked`);
  const row = rows[0];
  return row ? { lockedBy: row.lockedby, granted: row.lockgranted } : null;
}

export function describeLockRow(row: LockRow): string {
  return `locked by ${row.lockedBy ?? 'an unnamed client'}${row.granted ? ` since ${row.granted.toISOString()}` : ''}`;
}

export function lockHeldError(t: ChangeLogTable, row: LockRow): DbrollbackError {
  const lock = lockTableOf(t);
  return new DbrollbackError('LOCK_HELD', `Liquibase is running against this database: ${lock.schema}.${lock.table} is ${describeLockRow(row)}. Nothing was changed.`, {
    hint: 'Wait for that Liquibase run to finish and try again. If no Liquibase is running (a killed run leaves its lock set), clear it with `liquibase release-locks` first.',
    details: { lockedBy: row.lockedBy, lockGranted: row.granted?.toISOString() ?? null },
  });
}

/** Create the lock table (and its row) where Liquibase would, when it is missing. */
export async function ensureLockTable(db: Db, t: ChangeLogTable): Promise<void> {
  const lock = lockTableOf(t);
  const table = quoteQualified(lock.schema, lock.table);
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [table]);
  if (rows[0]?.ok) return;
  await db.query(`CREATE TABLE ${table} (id INTEGER NOT NULL, locked BOOLEAN NOT NULL, lockgranted TIMESTAMP WITHOUT TIME ZONE, lockedby VARCHAR(255), CONSTRAINT ${quoteIdent(`${lock.table}_pkey`)} PRIMARY KEY (id))`);
  await db.query(`DELETE FROM ${table}`);
  await db.query(`INSERT INTO ${table} (id, locked) VALUES (1, FALSE)`);
}

/**
 * Take Liquibase's lock (autocommit, as Liquibase does) without waiting;
 * refuses naming the holder when it is set. Returns the release.
 */
export async function takeLock(db: Db, t: ChangeLogTable): Promise<() => Promise<void>> {
  await ensureLockTable(db, t);
  const lock = lockTableOf(t);
  const table = quoteQualified(lock.schema, lock.table);
  const by = `${os.hostname()} (dbrollback pid ${process.pid})`.slice(0, 255);
  const { rowCount } = await db.query(
    `UPDATE ${table} SET locked = TRUE, lockedby = $1, lockgranted = (now() AT TIME ZONE ${quoteLiteral(clientZone())}) WHERE id = 1 AND locked = FALSE`,
    [by],
  );
  if (rowCount !== 1) {
    const row = await lockRow(db, t);
    throw lockHeldError(t, row ?? { lockedBy: null, granted: null });
  }
  return async () => {
    await db.query(`UPDATE ${table} SET locked = FALSE, lockedby = NULL, lockgranted = NULL WHERE id = 1 AND lockedby = $1`, [by]);
  };
}
