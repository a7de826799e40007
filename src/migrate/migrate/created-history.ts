/**
 * A first `migrate` that fails has often made one thing already: the tool's
 * history table, created before the first migration ran (outside its
 * transaction). Left there empty, "the database is as it was" would be false
 * — and tool detection would see a history table that records nothing. So
 * the run notes whether the table existed before it, and when its first
 * migration fails with nothing applied, drops the table it created if it is
 * still empty; a tool that keeps more than that one table (Liquibase's lock
 * table, Sqitch's registry schema) keeps it, and the message says so.
 */
import { quoteQualified, type Db } from '../../db/connection.js';
import type { MigratorAdapter } from '../../tools/contract.js';

/** Whether the table exists now (null when the tool names none). */
export async function historyTableExists(db: Db, adapter: Pick<MigratorAdapter, 'historyTable'>): Promise<boolean | null> {
  const table = adapter.historyTable;
  if (!table) return null;
  const { rows } = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [quoteQualified(table.schema, table.table)]);
  return rows[0]!.found;
}

/**
 * After a failed run that applied nothing: what the run left of the tool's history, in one sentence to
 * append to "The database is as it was before this run" — or '' when it left nothing.
 */
export async function removeCreatedHistory(db: Db, adapter: Pick<MigratorAdapter, 'historyTable' | 'bookkeeping' | 'kind'>, existedBefore: boolean | null): Promise<string> {
  const table = adapter.historyTable;
  if (!table || existedBefore !== false) return '';
  if (!(await historyTableExists(db, adapter))) return '';
  const name = quoteQualified(table.schema, table.table);
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
  const shown = `${table.schema}.${table.table}`;
  if (rows[0]!.n !== '0') return ` The ${adapter.kind} history table ${shown}, which this run created, holds ${rows[0]!.n} row(s) and is left as it is.`;
  if (adapter.bookkeeping) {
    return ` The empty ${adapter.kind} history table ${shown} (and the tool's other bookkeeping${adapter.bookkeeping.schema ? ` in schema ${adapter.bookkeeping.schema}` : ''}), created by this run, is left: the next migrate uses it.`;
  }
  try {
    // Like every DDL of dbrollback's, it waits for a lock only under lock_timeout.
    await db.query(`BEGIN; SET LOCAL lock_timeout = '5s'; DROP TABLE ${name}; COMMIT`);
    return ` The empty ${adapter.kind} history table ${shown} this run had created was dropped.`;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    return ` The empty ${adapter.kind} history table ${shown}, created by this run, is left (dropping it failed: ${(err as Error).message}); the next migrate uses it.`;
  }
}
