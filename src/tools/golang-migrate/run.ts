/**
 * golang-migrate behind the adapter contract, done as golang-migrate v4.18
 * does it (it is a Go program, not installable here; migrate.go and
 * database/postgres/postgres.go are the reference):
 *  - its lock: pg_advisory_lock with the id of lock.ts, around the whole run;
 *  - its table created when missing (ensureVersionTable);
 *  - a dirty version refused (ErrDirty), naming `migrate force`;
 *  - each migration: SetVersion(target, dirty=true), the file sent as ONE
 *    Exec (the simple-query protocol: a multi-statement file is one implicit
 *    transaction unless it opens its own), SetVersion(target, dirty=false).
 *    With `multiStatement` (x-multi-statement=true) the file is cut at every
 *    `;` and each piece sent on its own. Up: target = the version applied;
 *    down: target = the version before it (none: the table is emptied);
 *  - a failure leaves the version dirty, as golang-migrate leaves it, and the
 *    error says what the database holds and which `force` makes it clean.
 * Nothing is wrapped in a transaction golang-migrate would not open: a down
 * run is one migration at a time (singleTransaction false).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import { serverVersion, type Db } from '../../db/connection.js';
import { onOwnConnection, onSession } from '../../db/session.js';
import { invalidIndexes } from '../../db/invalid-indexes.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { assertUpCount, migrationNotDefined, selectForDown } from '../select.js';
import { timedStep } from '../timed-step.js';
import { parseSqlFile } from '../sql/statements.js';
import { GOLANG_MIGRATE_FILE, loadGolangMigrateDir, type GolangMigration } from './files.js';
import { ensureTable, readVersion, resolveTable, setVersion, tableOf, type GolangMigrateTable, type GolangMigrateVersion } from './history.js';
import { golangMigrateLock, lockHolder, takeLocks } from './lock.js';
import { DEFAULT_MULTI_STATEMENT_MAX_SIZE, splitMultiStatement } from './multi-statement.js';

export const APPLIED_AT_NOTE = 'golang-migrate keeps no applied-at times: schema_migrations holds only the version the database is at';

/** What the `golangMigrate` config export may set: golang-migrate's URL options x-multi-statement and x-multi-statement-max-size. */
export interface GolangMigrateSettings {
  multiStatement: boolean;
  multiStatementMaxSize: number;
}

export function createGolangMigrateAdapter(options: AdapterOptions): MigratorAdapter {
  return new GolangMigrateAdapter(options, settingsOf(options.configModule?.golangMigrate));
}

export function settingsOf(raw: unknown): GolangMigrateSettings {
  const settings = { multiStatement: false, multiStatementMaxSize: DEFAULT_MULTI_STATEMENT_MAX_SIZE };
  if (raw === undefined) return settings;
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null) problems.push('golangMigrate must be an object ({ multiStatement, multiStatementMaxSize })');
  else {
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'multiStatement' && typeof value === 'boolean') settings.multiStatement = value;
      else if (key === 'multiStatementMaxSize' && Number.isInteger(value) && (value as number) > 0) settings.multiStatementMaxSize = value as number;
      else if (key === 'multiStatement' || key === 'multiStatementMaxSize') problems.push(`golangMigrate.${key}: ${key === 'multiStatement' ? 'true or false' : 'a whole number of bytes above 0'} (got ${JSON.stringify(value)})`);
      else problems.push(`golangMigrate.${key}: not a setting (golangMigrate takes multiStatement and multiStatementMaxSize)`);
    }
  }
  if (problems.length > 0) {
    throw new DbrollbackError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { hint: 'Fix the golangMigrate export of dbrollback.config.mjs, then run again.', details: { problems } });
  }
  return settings;
}

interface Snapshot {
  files: GolangMigration[];
  version: GolangMigrateVersion | null;
  status: MigrationStatus;
}

class GolangMigrateAdapter implements MigratorAdapter {
  readonly kind = 'golang-migrate' as const;
  readonly toolLocks;
  private readonly table: GolangMigrateTable;
  /** The schema the table was found in (current_schema() when none is configured), once asked. */
  private resolvedSchema: string | undefined;

  constructor(
    private readonly options: AdapterOptions,
    private readonly settings: GolangMigrateSettings,
  ) {
    this.table = tableOf({ migrationsTable: options.migrationsTable, migrationsSchema: options.migrationsSchema });
    this.toolLocks = [golangMigrateLock(this.table, (version) => this.dirtyError(version))];
  }

  get historyTable(): { schema: string; table: string } {
    return { schema: this.resolvedSchema ?? this.table.schema ?? 'public', table: this.table.table };
  }

  async status(): Promise<MigrationStatus> {
    const files = await loadGolangMigrateDir(this.options.migrationsDir);
    return onSession(this.options.session, this.options.conn, async (db) => (await this.snapshot(db, files)).status);
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const files = await loadGolangMigrateDir(this.options.migrationsDir);
    const snap = await onSession(this.options.session, this.options.conn, (db) => this.snapshot(db, files));
    if (snap.version?.dirty) throw this.dirtyError(snap.version.version);
    return selectForDown(snap.status.applied, target, snap.status.migrations);
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const files = await loadGolangMigrateDir(this.options.migrationsDir);
    return onOwnConnection(this.options.session, this.options.conn, async (db) => {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      const release = await takeLocks(db, this.table);
      const done: string[] = [];
      let running: GolangMigration | undefined;
      try {
        await ensureTable(db, this.table);
        const current = await readVersion(db, this.table);
        if (current?.dirty) throw this.dirtyError(current.version);
        const at = current === null || current.version < 0n ? null : current.version;
        if (at !== null && !files.some((f) => f.version === at)) throw await this.versionNotFound(at);
        const pending = files.filter((f) => at === null || f.version > at).slice(0, count ?? Number.POSITIVE_INFINITY);
        for (const f of pending) {
          running = f;
          await setVersion(db, this.table, f.version, true);
          if (f.upPath !== null) await this.runFile(db, f.upPath);
          await setVersion(db, this.table, f.version, false);
          done.push(f.name);
          running = undefined;
        }
        return done;
      } catch (err) {
        if (running === undefined) throw err;
        throw await this.failedError(db, err, running, done, files);
      } finally {
        await release();
      }
    });
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const files = await loadGolangMigrateDir(this.options.migrationsDir);
    return onOwnConnection(this.options.session, this.options.conn, async (db) => {
      await setLockTimeout(db, runOptions.lockTimeoutMs);
      const release = await takeLocks(db, this.table);
      try {
        const snap = await this.snapshot(db, files);
        if (snap.version?.dirty) throw this.dirtyError(snap.version.version);
        const selection = selectForDown(snap.status.applied, target, snap.status.migrations);
        if (selection.length === 0) return { steps: [], singleTransaction: false, headAfter: snap.status.head };
        // Refuse before anything runs: every selected migration needs a down of its own.
        assertReversible(selection);
        const byName = new Map(files.map((f) => [f.name, f]));
        const durations = new Map<string, number>();
        let failed: GolangMigration | undefined;
        let error: unknown;
        for (const m of selection) {
          const f = byName.get(m.name)!;
          const before = files[files.indexOf(f) - 1]?.version ?? null;
          try {
            await timedStep(durations, f.name, runOptions, async () => {
              await setVersion(db, this.table, before, true);
              await this.runFile(db, f.downPath!);
              await setVersion(db, this.table, before, false);
            });
          } catch (err) {
            failed = f;
            error = err;
            break;
          }
        }
        const after = await readVersion(db, this.table);
        // A failed down leaves the version before it, dirty: the failed migration itself is still there (or partly).
        const headVersion = failed ? failed.version : after === null || after.version < 0n ? null : after.version;
        const appliedAfter = files.filter((f) => headVersion !== null && f.version <= headVersion).map((f) => f.name);
        try {
          return downOutcome({
            kind: this.kind,
            selection,
            appliedAfter,
            singleTransaction: false,
            durations,
            ...(failed ? { error, failedName: failed.name, failedOutsideTransaction: !(await this.ranAtomically(db, failed.downPath!)) } : {}),
          });
        } catch (err) {
          if (!failed || !isDbrollbackError(err)) throw err;
          const before = files[files.indexOf(failed) - 1]?.version ?? null;
          const atomic = await this.ranAtomically(db, failed.downPath!);
          // Dirty, the database is refused by the next run (dbrollback's as golang-migrate's): the force comes first.
          const force = `\`migrate -path ${this.options.migrationsDir} -database "$DATABASE_URL" force ${atomic ? failed.version : 'VERSION'}\``;
          throw new DbrollbackError(err.code, `${err.message} ${this.dirtyAfterFailure(before, failed, atomic)}`, {
            hint: `First mark the database clean: ${force}${atomic ? '' : ' with the version it is at, once the down\'s statements are finished or reverted by hand'} (dirty, it is refused by golang-migrate and dbrollback alike). Then: ${err.hint ?? 'run again.'}`,
            cause: err.cause,
            ...(err.details !== undefined ? { details: err.details } : {}),
          });
        }
      } finally {
        await release();
      }
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const file = (await loadGolangMigrateDir(this.options.migrationsDir)).find((f) => f.name === name || String(f.version) === name || f.versionText === name);
    if (!file) throw migrationNotDefined(name, this.options.migrationsDir);
    const filePath = direction === 'up' ? file.upPath : file.downPath;
    if (filePath === null) return { name, direction, sql: '', source: 'unknown', path: null, note: `version ${file.version} has no .${direction} file` };
    return { name, direction, sql: await readFile(filePath, 'utf8'), source: 'file', path: filePath, note: null };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  private async snapshot(db: Db, files: GolangMigration[]): Promise<Snapshot> {
    this.resolvedSchema = (await resolveTable(db, this.table)).schema;
    const version = await readVersion(db, this.table);
    const at = version === null || version.version < 0n ? null : version.version;
    // No migration file at all while the database is at a version: the folder is not this project's (often its parent, `db` for `db/migrations`).
    if (at !== null && files.length === 0) throw await this.versionNotFound(at);
    const info = (f: GolangMigration, applied: boolean): MigrationInfo => ({
      name: f.name,
      path: f.upPath ?? f.downPath,
      applied,
      appliedAt: null,
      down: f.down,
      // The version as golang-migrate prints it (`3`) and as the file names write it (`000003`): --to takes either.
      tags: [...new Set([String(f.version), f.versionText])],
      ...(version?.dirty && version.version === f.version ? { dirty: true as const } : {}),
      ...(f.downNote !== undefined ? { downNote: f.downNote } : {}),
    });
    const applied = files.filter((f) => at !== null && f.version <= at).map((f) => info(f, true));
    const pending = files.filter((f) => at === null || f.version > at).map((f) => info(f, false));
    const missingDefinitions: string[] = [];
    if (at !== null && !files.some((f) => f.version === at)) {
      // The version golang-migrate recorded has no file here: nothing can undo it.
      missingDefinitions.push(String(at));
      applied.push({ name: String(at), path: null, applied: true, appliedAt: null, down: 'missing', tags: [String(at)] });
    }
    const warnings: string[] = [];
    if (version?.dirty) {
      warnings.push(`${this.historyTable.schema}.${this.table.table} is dirty at version ${version.version}: a golang-migrate run failed or was interrupted there. dbrollback will not migrate or undo until it is fixed and forced (\`migrate -path ${this.options.migrationsDir} -database "$DATABASE_URL" force VERSION\`).`);
    }
    // The same refusal, from the same place, for plan, migrate and undo (blocked.ts): exit 2, MIGRATION_DIRTY.
    const dirty = version?.dirty ? this.dirtyError(version.version) : null;
    const status: MigrationStatus = {
      migrator: this.kind,
      migrations: [...applied, ...pending],
      applied,
      pending,
      head: applied.at(-1)?.name ?? null,
      missingDefinitions,
      lockHolder: await lockHolder(db, this.table),
      appliedAtNote: APPLIED_AT_NOTE,
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(dirty ? { blocked: { code: 'MIGRATION_DIRTY' as const, message: dirty.message, hint: dirty.hint ?? '', details: (dirty.details ?? {}) as Record<string, unknown> } } : {}),
    };
    return { files, version, status };
  }

  /** The file as golang-migrate's postgres driver runs it: one Exec, or one per `;` piece with multi-statement. */
  private async runFile(db: Db, file: string): Promise<void> {
    const text = await readFile(file, 'utf8');
    const pieces = this.settings.multiStatement ? splitMultiStatement(text, this.settings.multiStatementMaxSize, file) : [text];
    try {
      for (const piece of pieces) {
        if (piece.trim() !== '') await db.query(piece);
      }
    } catch (err) {
      // A file that opened its own transaction leaves it aborted: end it, as the next SetVersion needs the connection.
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Whether a failed file took no effect. Sent as one Exec, a file of several statements is one implicit
   * transaction block: PostgreSQL rolls all of it back on an error, and refuses at once a statement that cannot run
   * in a transaction block (CREATE INDEX CONCURRENTLY beside other statements fails before anything stays). Not so:
   * a file that ends and opens transactions itself (BEGIN … COMMIT; more — a whole file in one BEGIN … COMMIT is
   * still all or nothing), and a lone CONCURRENTLY index build, drop or reindex, which commits its catalog entry
   * first and leaves an INVALID index behind when it fails.
   */
  private async ranAtomically(db: Db, file: string): Promise<boolean> {
    if (this.settings.multiStatement) return false;
    try {
      const { statements, noTransactionReason } = await parseSqlFile(await readFile(file, 'utf8'), file, (await serverVersion(db)).major);
      const control = statements.map((st, i) => ({ i, kind: transactionControl(st) })).filter((c) => c.kind !== null);
      if (control.length > 0) {
        const wrapsWhole = control.length === 2 && control[0]!.i === 0 && control[0]!.kind === 'begin' && control[1]!.i === statements.length - 1 && control[1]!.kind === 'end';
        return wrapsWhole;
      }
      if (statements.length === 1) return !(noTransactionReason ?? '').includes('CONCURRENTLY');
      return true;
    } catch {
      return false;
    }
  }

  private async failedError(db: Db, err: unknown, f: GolangMigration, done: string[], files: GolangMigration[]): Promise<DbrollbackError> {
    if (isDbrollbackError(err) && err.code === 'LOCK_TIMEOUT') return err;
    const atomic = f.upPath === null || (await this.ranAtomically(db, f.upPath));
    const before = files[files.indexOf(f) - 1]?.version ?? null;
    const force = (version: bigint | number | string) => `\`migrate -path ${this.options.migrationsDir} -database "$DATABASE_URL" force ${version}\``;
    const applied = done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied before it.';
    // A failed CONCURRENTLY build leaves its index INVALID; with IF NOT EXISTS a rerun would keep it so, enforcing nothing.
    const invalid = atomic ? [] : await invalidIndexes(db).catch(() => []);
    const leftBehind = invalid.length > 0 ? ` The database now holds ${invalid.length === 1 ? 'an INVALID index' : 'INVALID indexes'}: ${invalid.join(', ')} (a failed CONCURRENTLY index build is not rolled back, and a rerun with IF NOT EXISTS would keep it invalid).` : '';
    const dropFirst = invalid.length > 0 ? `run ${invalid.map((i) => `\`DROP INDEX CONCURRENTLY ${i};\``).join(' ')}, then ` : '';
    return new DbrollbackError(
      'MIGRATION_FAILED',
      // "applying NAME failed:" as the other tools word it, so migrate's own message does not say it twice.
      `applying ${f.name} failed: ${(err as Error).message}. ${this.dirtyAt(f.version, atomic, before)}${leftBehind} ` +
        `Once fixed, ${force(atomic || invalid.length > 0 ? (before ?? -1) : 'VERSION')} marks it clean. ${applied}`,
      {
        hint: invalid.length > 0
          ? `Fix the cause, ${dropFirst}mark the version before it: ${force(before ?? -1)}, and run again (golang-migrate, and so dbrollback, refuses the database while it is dirty).`
          : `Fix ${f.name}, then mark the version golang-migrate should see: ${force(atomic ? (before ?? -1) : f.version)}${atomic ? '' : ' (after finishing or reverting its statements by hand)'}, and run again (golang-migrate, and so dbrollback, refuses the database while it is dirty).`,
        cause: err,
        details: { applied: done, failed: f.name, dirtyVersion: f.version.toString(), ...(invalid.length > 0 ? { invalidIndexes: invalid } : {}) },
      },
    );
  }

  private dirtyAt(version: bigint, atomic: boolean, before: bigint | null): string {
    const table = `${this.historyTable.schema}.${this.table.table}`;
    return atomic
      ? `${table} now says version ${version}, dirty, as golang-migrate leaves a failed migration; its file ran as one transaction (implicit, or its own BEGIN … COMMIT), which was rolled back, so the database is at ${before === null ? 'no version' : `version ${before}`}.`
      : `${table} now says version ${version}, dirty, as golang-migrate leaves a failed migration; its file did not run as one transaction, so what it did before failing stayed.`;
  }

  private dirtyAfterFailure(before: bigint | null, failed: GolangMigration, atomic: boolean): string {
    const table = `${this.historyTable.schema}.${this.table.table}`;
    const forceTo = atomic ? failed.version : null;
    return (
      `${table} says ${before === null ? 'version -1 (none)' : `version ${before}`}, dirty, as golang-migrate leaves a failed down` +
      (forceTo !== null
        ? `; the down ran as one transaction (implicit, or its own BEGIN … COMMIT) and was rolled back, so \`migrate -path ${this.options.migrationsDir} -database "$DATABASE_URL" force ${forceTo}\` marks the database as it is.`
        : `; finish or revert the down's statements by hand, then \`migrate ... force VERSION\` with the version the database is at.`)
    );
  }

  private dirtyError(version: bigint): DbrollbackError {
    return dirtyError(`${this.historyTable.schema}.${this.table.table}`, version, this.options.migrationsDir);
  }

  private async versionNotFound(version: bigint): Promise<DbrollbackError> {
    const dir = this.options.migrationsDir;
    const below = await subfoldersWithMigrations(dir);
    return new DbrollbackError('MIGRATIONS_INVALID', `the database is at golang-migrate version ${version}, and ${dir} has no file of that version (golang-migrate refuses this too: "no migration found for version ${version}")`, {
      hint: below.length > 0
        ? `${below.join(', ')} ${below.length === 1 ? 'holds' : 'hold'} VERSION_name.up.sql files: pass --migrations ${below[0]} (golang-migrate's -path). Nothing was changed.`
        : `Point --migrations at the folder that holds version ${version}'s files (golang-migrate's -path). Nothing was changed.`,
    });
  }

}

/** ErrDirty, in dbrollback's words: exit 2, the version, and golang-migrate's force as the way out. */
export function dirtyError(table: string, version: bigint, migrationsDir: string): DbrollbackError {
  return new DbrollbackError(
    'MIGRATION_DIRTY',
    `${table} says the database is dirty at version ${version}: a golang-migrate run to version ${version} failed or was interrupted, so what the schema holds is not known. golang-migrate refuses it too ("Dirty database version ${version}. Fix and force version."). Nothing was changed.`,
    {
      hint: `Check which statements of version ${version} took effect and finish or revert them by hand, then record the version the database is at with golang-migrate's force: \`migrate -path ${migrationsDir || 'DIR'} -database "$DATABASE_URL" force ${version}\` (or the version before it when ${version} did not apply), and run dbrollback again.`,
      details: { version: version.toString(), dirty: true, table },
    },
  );
}

/** The folders right under `dir` that hold golang-migrate files (`db` given for `db/migrations`). */
async function subfoldersWithMigrations(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const sub = path.join(dir, entry.name);
    const names = await readdir(sub).catch(() => [] as string[]);
    if (names.some((n) => GOLANG_MIGRATE_FILE.test(n))) out.push(sub);
  }
  return out.sort();
}

/** A statement that opens ('begin') or ends ('end') a transaction, else null. */
function transactionControl(statement: string): 'begin' | 'end' | null {
  if (/^(BEGIN|START\s+TRANSACTION)\b/i.test(statement)) return 'begin';
  if (/^(COMMIT|END|ROLLBACK|ABORT)\b/i.test(statement)) return 'end';
  return null;
}
