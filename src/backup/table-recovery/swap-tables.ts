/**
 * `--replace`: the recovered tables take the live ones' places in one
 * transaction, under lock_timeout so the application never queues behind
 * it; the live tables are kept aside (schema `aside`), not dropped.
 */
import type { Db } from '../../db/connection.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import { quoteIdent } from './copy-tables.js';

export async function swapTables(db: Db, tables: readonly TableRef[], recovered: string, aside: string, lockTimeoutMs: number): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await db.query(`CREATE SCHEMA ${quoteIdent(aside)}`);
    for (const t of tables) await db.query(`ALTER TABLE ${quoteIdent(t.schema)}.${quoteIdent(t.table)} SET SCHEMA ${quoteIdent(aside)}`);
    for (const t of tables) await db.query(`ALTER TABLE ${quoteIdent(recovered)}.${quoteIdent(t.table)} SET SCHEMA ${quoteIdent(t.schema)}`);
    await db.query(`DROP SCHEMA ${quoteIdent(recovered)}`);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
