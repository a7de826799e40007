/**
 * dbmate behind the adapter contract, through the real `dbmate` (program.ts):
 *  - up: `dbmate migrate` on a directory holding only the migrations to
 *    apply (dbmate itself has no count; dbrollback's migrate applies one at a
 *    time, with a restore point before each), each in dbmate's transaction
 *    with its schema_migrations row unless its block says
 *    `transaction:false`;
 *  - down: `dbmate rollback`, once per migration (dbmate rolls back the
 *    highest applied version, one at a time), so singleTransaction is false
 *    and a failure leaves the database at the last fully rolled-back one.
 * Only where no dbmate program is found does dbrollback do the same itself,
 * exactly as dbmate 2.36 does (history.ts), saying so in its log.
 * dbmate takes no lock of its own.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DbrollbackError } from '../../errors.js';
import type { Db } from '../../db/connection.js';
import { onOwnConnection, onSession } from '../../db/session.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { assertUpCount, migrationNotDefined, selectForDown } from '../select.js';
import { statusOf } from '../status-of.js';
import { timedStep } from '../timed-step.js';
import { loadDbmateDir, type DbmateBlock, type DbmateMigration } from './files.js';
import { deleteVersion, ensureTable, insertVersion, qualifiedOf, readApplied, tableFlag, tableOf, type DbmateTable } from './history.js';
import { dbmateError, findDbmate, runDbmate, type DbmateRun } from './program.js';

export const APPLIED_AT_NOTE = 'dbmate keeps no applied-at times: schema_migrations holds only the applied versions';

export function createDbmateAdapter(options: AdapterOptions): MigratorAdapter {
  return new DbmateAdapter(options);
}

class DbmateAdapter implements MigratorAdapter {
  readonly kind = 'dbmate' as const;
  readonly toolLocks = [];
  private readonly table: DbmateTable;
  private resolvedSchema: string | undefined;
  private program: Promise<string | null> | undefined;

  constructor(private readonly options: AdapterOptions) {
    this.table = tableOf({ migrationsTable: options.migrationsTable, migrationsSchema: options.migrationsSchema });
  }

  get historyTable(): { schema: string; table: string } {
    return { schema: this.resolvedSchema ?? this.table.schema ?? 'public', table: this.table.table };
  }

  async status(): Promise<MigrationStatus> {
    const files = await loadDbmateDir(this.options.migrationsDir);
    return onSession(this.options.session, this.options.conn, (db) => this.statusWith(db, files));
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const files = await loadDbmateDir(this.options.migrationsDir);
    const before = await this.status();
    const toApply = files.filter((f) => before.pending.some((p) => p.name === f.name)).slice(0, count ?? Number.POSITIVE_INFINITY);
    if (toApply.length === 0) return [];
    const program = await this.findProgram();
    if (program === null) return this.upInProcess(toApply, upOptions);

    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-dbmate-'));
    try {
      // dbmate applies every pending file of its directory: give it one holding just these.
      const only = path.join(work, 'migrations');
      await mkdir(only);
      for (const f of toApply) await symlink(f.path, path.join(only, path.basename(f.path)));
      const output = await runDbmate(this.run(program, only, work, upOptions.lockTimeoutMs), 'migrate');
      const applied = new Set(await onSession(this.options.session, this.options.conn, (db) => readApplied(db, this.table)));
      const done = toApply.filter((f) => applied.has(f.version)).map((f) => f.name);
      if (output.exitCode !== 0) {
        const failed = toApply.find((f) => !applied.has(f.version));
        throw new DbrollbackError(
          'MIGRATION_FAILED',
          `dbmate migrate failed${failed ? ` applying ${failed.name}` : ''}: ${dbmateError(output)}. ` +
            (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied.') +
            (failed && !failed.sections.up.transaction ? ` ${failed.name} runs outside a transaction (transaction:false) and may be partly applied.` : ''),
          { hint: 'Fix the failing migration and run again: only pending migrations are applied.', details: { applied: done, failed: failed?.name ?? null, exitCode: output.exitCode } },
        );
      }
      return done;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const files = await loadDbmateDir(this.options.migrationsDir);
    const status = await this.status();
    const selection = selectForDown(status.applied, target, status.migrations);
    if (selection.length === 0) return { steps: [], singleTransaction: false, headAfter: status.head };
    // Refuse before anything runs: every selected migration needs a down block that does something.
    assertReversible(selection);
    const byName = new Map(files.map((f) => [f.name, f]));
    const program = await this.findProgram();
    const durations = new Map<string, number>();
    let error: unknown;
    let failed: DbmateMigration | undefined;
    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-dbmate-'));
    try {
      for (const m of selection) {
        const f = byName.get(m.name)!;
        try {
          await timedStep(durations, f.name, runOptions, async () => {
            // dbmate rolls back the highest applied version: it must be this one, or the run stops here.
            const applied = await onSession(this.options.session, this.options.conn, (db) => readApplied(db, this.table));
            if (applied.at(-1) !== f.version) throw new Error(`the highest applied version is ${applied.at(-1) ?? 'none'}, not ${f.version}: dbmate would roll back another migration`);
            if (program === null) return this.downInProcess(f, runOptions.lockTimeoutMs);
            const output = await runDbmate(this.run(program, this.options.migrationsDir, work, runOptions.lockTimeoutMs), 'rollback');
            if (output.exitCode !== 0) throw new Error(`dbmate rollback failed: ${dbmateError(output)}`);
          });
        } catch (err) {
          failed = f;
          error = err;
          break;
        }
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const appliedAfter = new Set(await onSession(this.options.session, this.options.conn, (db) => readApplied(db, this.table)));
    return downOutcome({
      kind: this.kind,
      selection,
      appliedAfter: files.filter((f) => appliedAfter.has(f.version)).map((f) => f.name),
      singleTransaction: false,
      durations,
      ...(failed ? { error, failedName: failed.name, failedOutsideTransaction: !failed.sections.down!.transaction } : {}),
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const file = (await loadDbmateDir(this.options.migrationsDir)).find((f) => f.name === name || f.version === name);
    if (!file) throw migrationNotDefined(name, this.options.migrationsDir);
    const block = direction === 'up' ? file.sections.up : file.sections.down;
    if (block === null) return { name, direction, sql: '', source: 'unknown', path: file.path, note: `${file.name} has no "-- migrate:down" block` };
    return { name, direction, sql: block.text, source: 'file', path: file.path, note: null };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  private async statusWith(db: Db, files: DbmateMigration[]): Promise<MigrationStatus> {
    this.resolvedSchema = (await qualifiedOf(db, this.table)).schema;
    const byVersion = new Map(files.map((f) => [f.version, f]));
    const history = (await readApplied(db, this.table)).map((version) => ({ name: byVersion.get(version)?.name ?? version, appliedAt: null }));
    const definitions = files.map((f) => ({ name: f.name, path: f.path, down: f.down, ...(f.downNote !== undefined ? { downNote: f.downNote } : {}) }));
    const status = statusOf(this.kind, history, definitions, null);
    const tag = (m: MigrationInfo): MigrationInfo => {
      const version = files.find((f) => f.name === m.name)?.version ?? m.name;
      return { ...m, tags: [version] };
    };
    const applied = status.applied.map(tag);
    const pending = status.pending.map(tag);
    // dbmate applies a pending version below the applied ones too (unless --strict): say so.
    const top = files.filter((f) => history.some((h) => h.name === f.name)).at(-1);
    const early = top ? pending.filter((p) => files.findIndex((f) => f.name === p.name) < files.indexOf(top)) : [];
    const warnings = early.length > 0 ? [`pending ${early.map((m) => m.name).join(', ')} sort${early.length === 1 ? 's' : ''} before the applied ${top!.name}: dbmate migrate applies ${early.length === 1 ? 'it' : 'them'} anyway (dbmate migrate --strict refuses)`] : [];
    return { ...status, applied, pending, migrations: [...applied, ...pending], appliedAtNote: APPLIED_AT_NOTE, ...(warnings.length > 0 ? { warnings } : {}) };
  }

  private run(program: string, migrationsDir: string, cwd: string, lockTimeoutMs: number | undefined): DbmateRun {
    return { program, conn: this.options.conn, migrationsDir, cwd, table: tableFlag(this.table), ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}) };
  }

  private findProgram(): Promise<string | null> {
    this.program ??= findDbmate([this.options.migrationsDir, process.cwd()]).then((found) => {
      if (found === null) this.options.log?.('dbmate was not found (node_modules/.bin or PATH): dbrollback runs the migrations itself, as dbmate 2.36 does');
      return found;
    });
    return this.program;
  }

  /** No dbmate program: each migration as dbmate runs it — its block and its row in one transaction unless transaction:false. */
  private async upInProcess(toApply: DbmateMigration[], upOptions: RunUpOptions): Promise<string[]> {
    return onOwnConnection(this.options.session, this.options.conn, async (db) => {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      await ensureTable(db, this.table);
      const done: string[] = [];
      for (const f of toApply) {
        try {
          await this.inTransaction(db, f.sections.up, () => insertVersion(db, this.table, f.version));
        } catch (err) {
          throw new DbrollbackError('MIGRATION_FAILED', `applying ${f.name} failed: ${(err as Error).message}. ${done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied.'}`, {
            hint: 'Fix the failing migration and run again: only pending migrations are applied.',
            cause: err,
            details: { applied: done, failed: f.name },
          });
        }
        done.push(f.name);
      }
      return done;
    });
  }

  private downInProcess(f: DbmateMigration, lockTimeoutMs: number | undefined): Promise<void> {
    return onOwnConnection(this.options.session, this.options.conn, async (db) => {
      await setLockTimeout(db, lockTimeoutMs);
      await this.inTransaction(db, f.sections.down!, () => deleteVersion(db, this.table, f.version));
    });
  }

  private async inTransaction(db: Db, block: DbmateBlock, record: () => Promise<void>): Promise<void> {
    if (!block.transaction) {
      await db.query(block.text);
      await record();
      return;
    }
    await db.query('BEGIN');
    try {
      await db.query(block.text);
      await record();
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

}
