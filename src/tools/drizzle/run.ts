/**
 * Drizzle: the journal's migrations applied exactly as drizzle-orm's
 * migrator applies them (its history DDL and rows, its statement split, its
 * rule that only journal entries newer than the newest recorded `created_at`
 * are pending) — with one difference, on purpose: drizzle-orm runs every
 * pending migration in ONE transaction, dbrollback one transaction per
 * migration (its statements and its history row together), so that
 * `migrate` can put a restore point before each one. That is safe because
 * each transaction still commits a migration's statements and its row
 * together: after a failure the history names exactly the migrations whose
 * statements took effect, drizzle-orm's own migrator then sees the same
 * head and carries on from it, and the failed migration left nothing behind.
 * What changes is only the granularity: where drizzle-orm would roll back
 * the migrations before the failing one too, dbrollback keeps them applied
 * and says so.
 *
 * Drizzle has no down migrations: undo is refused with the restore to use,
 * before anything is touched. It takes no lock of its own either.
 */
import { DbrollbackError } from '../../errors.js';
import { withDb, type Db } from '../../db/connection.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import { onSession } from '../../db/session.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { noDownSql, noDownsRefusal } from '../no-downs.js';
import { assertUpCount, migrationNotDefined, selectForDown } from '../select.js';
import { statusOf, type HistoryEntry } from '../status-of.js';
import { createHistoryTable, DEFAULT_SCHEMA, DEFAULT_TABLE, lastRow, readRows, recordApplied, type DrizzleRow, type DrizzleTable } from './history.js';
import { loadJournal, type DrizzleMigration } from './journal.js';

export const DRIZZLE_NAME = 'Drizzle';

export function createDrizzleAdapter(options: AdapterOptions): MigratorAdapter {
  return new DrizzleAdapter(options);
}

class DrizzleAdapter implements MigratorAdapter {
  readonly kind = 'drizzle' as const;
  readonly historyTable: DrizzleTable;
  readonly toolLocks = [];

  constructor(private readonly options: AdapterOptions) {
    this.historyTable = { schema: options.migrationsSchema ?? DEFAULT_SCHEMA, table: options.migrationsTable ?? DEFAULT_TABLE };
  }

  async status(): Promise<MigrationStatus> {
    const journal = await loadJournal(this.options.migrationsDir);
    const rows = await onSession(this.options.session, this.options.conn, (db) => readRows(db, this.historyTable));
    return statusFrom(journal, rows);
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, _options?: RunDownOptions): Promise<DownResult> {
    // The target is checked first (a bad --count is bad usage), then refused as a whole.
    throw noDownsRefusal(DRIZZLE_NAME, await this.select(target));
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const journal = await loadJournal(this.options.migrationsDir);
    return withDb(this.options.conn, async (db) => {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      const rows = await readRows(db, this.historyTable);
      assertNoneSkipped(journal, rows);
      const last = lastRow(rows);
      const toApply = journal.filter((m) => isPending(m, last)).slice(0, count ?? Number.POSITIVE_INFINITY);
      // drizzle-orm creates its schema and table before it reads them, outside its transaction.
      await createHistoryTable(db, this.historyTable);
      const done: string[] = [];
      for (const migration of toApply) {
        try {
          await applyOne(db, this.historyTable, migration);
        } catch (err) {
          throw new DbrollbackError(
            'MIGRATION_FAILED',
            `applying ${migration.tag} failed: ${(err as Error).message}. Its statements were rolled back with its transaction. ` +
              (done.length > 0 ? `Applied before the failure (committed): ${done.join(', ')}.` : 'Nothing was applied.'),
            { hint: `Fix ${migration.path} and run again: only pending migrations are applied.`, cause: err, details: { applied: done, failed: migration.tag } },
          );
        }
        done.push(migration.tag);
      }
      return done;
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const migration = (await loadJournal(this.options.migrationsDir)).find((m) => m.tag === name);
    if (!migration) throw migrationNotDefined(name, this.options.migrationsDir);
    if (direction === 'down') return noDownSql(DRIZZLE_NAME, name);
    return { name, direction, sql: migration.text, source: 'file', path: migration.path, note: null };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }
}

/** One migration in its own transaction: its chunks as drizzle-orm sends them, then its history row. */
async function applyOne(db: Db, at: DrizzleTable, migration: DrizzleMigration): Promise<void> {
  await db.query('BEGIN');
  try {
    // drizzle-orm sends each chunk as it is (no parameters: the simple protocol, so a chunk may hold several statements).
    for (const statement of migration.statements) await db.query(statement);
    await recordApplied(db, at, migration.hash, migration.when);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

function isPending(m: DrizzleMigration, last: DrizzleRow | undefined): boolean {
  // drizzle-orm: `!lastDbMigration || Number(lastDbMigration.created_at) < migration.folderMillis`.
  return last === undefined || Number(last.createdAt) < m.when;
}

/**
 * Applied: the journal entries drizzle-orm will not run again (`when` up to
 * the newest created_at) that have their own row. An entry older than the
 * head without a row never ran and drizzle-orm will never run it: it is
 * listed as pending (its SQL is not in the database), and `up` refuses it.
 */
function statusFrom(journal: readonly DrizzleMigration[], rows: readonly DrizzleRow[]): MigrationStatus {
  const byWhen = new Map(journal.map((m) => [m.when, m]));
  const history: HistoryEntry[] = rows.map((r) => ({ name: r.createdAt !== null && byWhen.has(r.createdAt) ? byWhen.get(r.createdAt)!.tag : unknownRowName(r), appliedAt: null }));
  const definitions = journal.map((m) => ({ name: m.tag, path: m.path, down: 'missing' as const }));
  const status = statusOf('drizzle', history, definitions, null);
  const skipped = skippedEntries(journal, rows);
  return skipped.length > 0
    ? { ...status, warnings: skipped.map((m) => `${m.tag} has no history row but is older than the head: drizzle-orm's migrator will never apply it (it compares only the newest created_at)`) }
    : status;
}

/** Journal entries older than the newest created_at without a row of their own. */
function skippedEntries(journal: readonly DrizzleMigration[], rows: readonly DrizzleRow[]): DrizzleMigration[] {
  const last = lastRow(rows);
  const recorded = new Set(rows.map((r) => r.createdAt));
  return journal.filter((m) => !isPending(m, last) && !recorded.has(m.when));
}

function unknownRowName(r: DrizzleRow): string {
  return `(row ${r.id}: created_at ${r.createdAt ?? 'NULL'}, hash ${r.hash.slice(0, 12)}…)`;
}

function assertNoneSkipped(journal: readonly DrizzleMigration[], rows: readonly DrizzleRow[]): void {
  const skipped = skippedEntries(journal, rows);
  if (skipped.length === 0) return;
  const last = lastRow(rows);
  throw new DbrollbackError(
    'MIGRATIONS_INVALID',
    `${skipped.map((m) => m.tag).join(', ')} ${skipped.length === 1 ? 'is' : 'are'} in the journal but not in the history, and older than the applied head (created_at ${last?.createdAt}): drizzle-orm's migrator compares only the newest created_at, so it would never apply ${skipped.length === 1 ? 'it' : 'them'}`,
    { hint: 'Generate the change again after the head (drizzle-kit generate gives it a newer "when"), or apply it by hand and record it; nothing was applied.', details: { skipped: skipped.map((m) => m.tag) } },
  );
}
