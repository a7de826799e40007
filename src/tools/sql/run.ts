/**
 * A plain `NNN_name.up.sql` / `NNN_name.down.sql` directory, with dbrollback
 * as its (minimal) migration tool: history in public.dbrollback_migrations,
 * its own advisory lock while applying, each file sent with the simple-query
 * protocol (so a file may hold many statements).
 *
 * Undo runs every selected down and its history delete in ONE transaction,
 * unless a selected down cannot run in a transaction (CREATE/DROP INDEX
 * CONCURRENTLY, VACUUM, ...; or `-- dbrollback:no-transaction`): then each
 * migration is undone and recorded on its own, and a failure leaves the
 * database at the last fully undone migration.
 */
import { readFile } from 'node:fs/promises';
import { faultPoint } from '../../audit/fault-point.js';
import { DbrollbackError } from '../../errors.js';
import { serverVersion, withDb, type Db } from '../../db/connection.js';
import { onOwnConnection, onSession } from '../../db/session.js';
import { advisoryLockHolder, describeHolder, DBROLLBACK_LOCK_ID } from '../../db/lock.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import { assertUpCount, migrationNotDefined, selectForDown } from '../select.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { timedStep } from '../timed-step.js';
import { checksum, loadSqlDir, type SqlMigrationFile } from './files.js';
import { parseSqlFile, type ParsedSql } from './statements.js';
import { statusOf } from '../status-of.js';
import { createHistoryTable, readHistory, recordApplied, recordUndone, SQL_HISTORY } from './history.js';

/** Held while SQL migrations are applied or undone; distinct from the lock of dbrollback as a whole. */
export const SQL_DIR_LOCK = { key: DBROLLBACK_LOCK_ID + 1n, owner: 'dbrollback sql migrations' } as const;

export function createSqlDirAdapter(options: AdapterOptions): MigratorAdapter {
  return new SqlDirAdapter(options);
}

interface Prepared {
  file: SqlMigrationFile;
  parsed: ParsedSql;
  text: string;
}

class SqlDirAdapter implements MigratorAdapter {
  readonly kind = 'sql' as const;
  readonly historyTable = SQL_HISTORY;
  readonly toolLocks = [SQL_DIR_LOCK];

  constructor(private readonly options: AdapterOptions) {}

  async status(): Promise<MigrationStatus> {
    const files = await loadSqlDir(this.options.migrationsDir);
    return onSession(this.options.session, this.options.conn, async (db) => this.statusWith(db, files));
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const files = await loadSqlDir(this.options.migrationsDir);
    return onOwnConnection(this.options.session, this.options.conn, async (db) => {
      await setLockTimeout(db, runOptions.lockTimeoutMs);
      const status = await this.statusWith(db, files);
      const selection = selectForDown(status.applied, target, status.migrations);
      if (selection.length === 0) return { steps: [], singleTransaction: true, headAfter: status.head };
      // Refuse before anything runs: the whole selection must be undoable, and every file must parse.
      assertReversible(selection);
      const byName = new Map(files.map((f) => [f.name, f]));
      const major = (await serverVersion(db)).major;
      const prepared = await Promise.all(selection.map((m) => prepare(byName.get(m.name)!, 'down', major)));
      const singleTransaction = prepared.every((p) => p.parsed.noTransactionReason === null);

      await lockOrFail(db);
      const durations = new Map<string, number>();
      let error: unknown;
      let failedName: string | undefined;
      let failedOutsideTransaction = false;
      try {
        if (singleTransaction) {
          await db.query('BEGIN');
          try {
            for (const p of prepared) {
              failedName = p.file.name;
              await timedStep(durations, p.file.name, runOptions, () => runInTransaction(db, p, 'down', runOptions.signal));
            }
            await db.query('COMMIT');
          } catch (err) {
            await db.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
        } else {
          // One migration at a time: a failure keeps everything undone before it.
          for (const p of prepared) {
            failedName = p.file.name;
            failedOutsideTransaction = p.parsed.noTransactionReason !== null;
            await timedStep(durations, p.file.name, runOptions, () => runOwnTransaction(db, p, 'down', runOptions.signal));
          }
        }
      } catch (err) {
        error = err;
      } finally {
        await unlock(db);
      }
      const appliedAfter = (await readHistory(db)).map((h) => h.name);
      return downOutcome({
        kind: this.kind,
        selection,
        appliedAfter,
        singleTransaction,
        durations,
        ...(error !== undefined ? { error, failedName, failedOutsideTransaction } : {}),
      });
    });
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const files = await loadSqlDir(this.options.migrationsDir);
    return this.withDb(async (db) => {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      const history = await readHistory(db);
      const appliedNames = new Set(history.map((h) => h.name));
      assertNothingPendingBeforeApplied(files, appliedNames);
      const toApply = files.filter((f) => !appliedNames.has(f.name)).slice(0, count ?? Number.POSITIVE_INFINITY);
      if (toApply.length === 0) return [];
      const major = (await serverVersion(db)).major;
      const prepared = await Promise.all(toApply.map((f) => prepare(f, 'up', major)));

      await lockOrFail(db);
      const done: string[] = [];
      try {
        await createHistoryTable(db);
        for (const p of prepared) {
          await runOwnTransaction(db, p, 'up');
          done.push(p.file.name);
        }
      } catch (err) {
        const failed = prepared[done.length]?.file.name;
        throw new DbrollbackError(
          'MIGRATION_FAILED',
          `applying ${failed ?? 'the migrations'} failed: ${(err as Error).message}. ` +
            (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied.') +
            (failed && prepared[done.length]?.parsed.noTransactionReason ? ` ${failed} ran outside a transaction and may be partly applied.` : ''),
          { hint: 'Fix the failing migration and run again: only pending migrations are applied.', cause: err, details: { applied: done, failed: failed ?? null } },
        );
      } finally {
        await unlock(db);
      }
      return done;
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const file = (await loadSqlDir(this.options.migrationsDir)).find((f) => f.name === name);
    if (!file) throw migrationNotDefined(name, this.options.migrationsDir);
    const filePath = direction === 'up' ? file.upPath : file.downPath;
    if (filePath === null) return { name, direction, sql: '', source: 'unknown', path: null, note: `${name} has no .down.sql file` };
    return { name, direction, sql: await readFile(filePath, 'utf8'), source: 'file', path: filePath, note: null };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  private async statusWith(db: Db, files: SqlMigrationFile[]): Promise<MigrationStatus> {
    const history = await readHistory(db);
    const definitions = files.map((f) => ({ name: f.name, path: f.upPath, down: f.down }));
    return statusOf(this.kind, history, definitions, await advisoryLockHolder(db, SQL_DIR_LOCK.key));
  }

  private withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return withDb(this.options.conn, fn);
  }

}

async function prepare(file: SqlMigrationFile, direction: 'up' | 'down', major: number): Promise<Prepared> {
  const filePath = direction === 'up' ? file.upPath : file.downPath!;
  const text = await readFile(filePath, 'utf8');
  return { file, text, parsed: await parseSqlFile(text, filePath, major) };
}

/** Inside the caller's transaction: the whole file in one simple query, then its history row. */
async function runInTransaction(db: Db, p: Prepared, direction: 'up' | 'down', signal?: AbortSignal): Promise<void> {
  await db.query(p.text);
  // Fault-injection tests stop here: the down's statements ran, its transaction is still open.
  if (direction === 'down') await faultPoint('undo:in-down-transaction', signal);
  await record(db, p, direction);
}

/** Its own transaction — or none, statement by statement, when the file cannot run in one. */
async function runOwnTransaction(db: Db, p: Prepared, direction: 'up' | 'down', signal?: AbortSignal): Promise<void> {
  if (p.parsed.noTransactionReason !== null) {
    // A multi-statement simple query is an implicit transaction block, so send them one by one.
    for (const statement of p.parsed.statements) await db.query(statement);
    await record(db, p, direction);
    return;
  }
  await db.query('BEGIN');
  try {
    await runInTransaction(db, p, direction, signal);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function record(db: Db, p: Prepared, direction: 'up' | 'down'): Promise<void> {
  if (direction === 'up') await recordApplied(db, p.file.name, checksum(await readFile(p.file.upPath, 'utf8')));
  else await recordUndone(db, p.file.name);
}

async function lockOrFail(db: Db): Promise<void> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [SQL_DIR_LOCK.key.toString()]);
  if (rows[0]?.ok) return;
  const holder = await advisoryLockHolder(db, SQL_DIR_LOCK.key);
  throw new DbrollbackError('LOCK_HELD', `SQL migrations are being applied to this database by another session (lock held by ${holder ? describeHolder(holder) : 'another session'})`, {
    hint: 'Wait for the running migration to finish (or end that session if it is stuck) and try again.',
    details: { holder, owner: SQL_DIR_LOCK.owner },
  });
}

async function unlock(db: Db): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1::bigint)', [SQL_DIR_LOCK.key.toString()]).catch(() => undefined);
}

/** Like node-pg-migrate's checkOrder: a pending file must not sort before an applied one. */
function assertNothingPendingBeforeApplied(files: SqlMigrationFile[], applied: Set<string>): void {
  const lastApplied = files.reduce((last, f, i) => (applied.has(f.name) ? i : last), -1);
  const early = files.slice(0, lastApplied + 1).filter((f) => !applied.has(f.name));
  if (early.length > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `pending migration${early.length === 1 ? '' : 's'} ${early.map((f) => f.name).join(', ')} sort${early.length === 1 ? 's' : ''} before the applied ${files[lastApplied]!.name}`, {
      hint: 'Renumber the new migration so it sorts after the applied head, then run again. Nothing was applied.',
    });
  }
}
