/**
 * Before migrate applies anything: the pending ups' statements that validate
 * or convert the rows a table holds now (a CHECK, NOT NULL, UNIQUE, PRIMARY
 * KEY or FOREIGN KEY added, a column type narrowed, a required column added
 * without a default), each asked of the live database read-only, as plan asks
 * it of the downs (plan/row-blockers.ts). A row any of them would reject
 * stops that migration partway — outside a transaction (CONCURRENTLY,
 * golang-migrate's several statements, executeInTransaction=false) with part
 * of it done — so migrate refuses up front, naming the rows, nothing applied.
 */
import type { Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import { initParser, parseSql, type ParsedStatement } from '../../sql/parser.js';
import type { MigrationInfo, MigratorAdapter } from '../../tools/contract.js';
import { blockerMessage, blockerProbes, measureBlockers, RunSoFar, type RowBlocker } from '../plan/row-blockers.js';

export interface UpBlocker {
  migration: string;
  blocker: RowBlocker;
}

/** The pending ups' statements, in the order migrate applies them, that rows the database holds now would stop. */
export async function upBlockers(db: Db, adapter: Pick<MigratorAdapter, 'sqlOf'>, pending: readonly MigrationInfo[]): Promise<UpBlocker[]> {
  await initParser();
  const soFar = new RunSoFar('the migrate run');
  const out: UpBlocker[] = [];
  for (const m of pending) {
    const statements = await upStatements(adapter, m);
    if (statements === null) {
      soFar.unknown(m.name, 'up');
      continue;
    }
    for (const blocker of await measureBlockers(db, blockerProbes(statements, m.name, soFar))) {
      if ((blocker.violations ?? 0) > 0) out.push({ migration: m.name, blocker });
    }
  }
  return out;
}

/** The up's parsed statements; null when its SQL cannot be seen (code the tool runs) or read (classify has said why). */
async function upStatements(adapter: Pick<MigratorAdapter, 'sqlOf'>, m: MigrationInfo): Promise<ParsedStatement[] | null> {
  const sql = await adapter.sqlOf(m.name, 'up').catch(() => null);
  if (sql === null || sql.source === 'unknown') return null;
  try {
    return parseSql(sql.sql, sql.path ?? m.name).statements;
  } catch {
    return null;
  }
}

/** MIGRATION_WOULD_FAIL (exit 4): every statement and the rows it would reject. */
export function upBlockersRefusal(blocked: readonly UpBlocker[]): DbrollbackError {
  return new DbrollbackError('MIGRATION_WOULD_FAIL', `refusing to migrate: ${blocked.length === 1 ? 'a pending migration' : 'pending migrations'} would fail on rows the database holds now — ${blocked.map(({ migration, blocker }) => `${migration} (line ${blocker.line}): ${blockerMessage(blocker)}`).join('; ')}`, {
    hint: `Nothing was applied. Correct those rows first (they are the rows of: ${blocked[0]!.blocker.query}), or make the migration correct them before its constraint (an UPDATE first; or add the constraint NOT VALID and VALIDATE it once the rows are fixed).`,
    details: { blockers: blocked.map(({ migration, blocker }) => ({ migration, ...blocker })) },
  });
}
