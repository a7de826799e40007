/**
 * Liquibase behind the adapter contract, in one of two modes
 * (changelog-dir.ts decides which):
 *
 * `direct` — formatted SQL changelogs: dbrollback runs the changesets' SQL
 * and their `--rollback` SQL itself and keeps DATABASECHANGELOG exactly as
 * Liquibase 4.28 would (history.ts, checksum.ts), under Liquibase's own lock
 * (lock-table.ts): nothing starts while it is set, and dbrollback sets it
 * while it writes. Downs run in one transaction when every selected
 * changeset allows one (`runInTransaction` is not false), else one
 * changeset at a time, each in its own transaction or — for
 * `runInTransaction:false` — statement by statement, as Liquibase runs it.
 * A changed checksum of a ran changeset (not runOnChange, no matching
 * validCheckSum) is refused as Liquibase's validation refuses it.
 *
 * `liquibase` — XML/YAML/JSON changelogs (or formatted SQL beyond what
 * dbrollback reads): the real Liquibase runs them (program.ts):
 * `status --verbose` for what is pending, `update-count`, `rollback-count`
 * (or `rollback --tag` for a tag), with `rollback-count-sql` first so a
 * changeset without a rollback is refused before anything changes
 * (Liquibase itself would undo the newer ones and then stop). Liquibase
 * takes its own lock then; dbrollback only checks it is free.
 *
 * A changeset's name is its id, or `filename::id::author` (Liquibase's own
 * notation) when another changeset shares the id.
 */
import { DbrollbackError } from '../../errors.js';
import { serverVersion, type Db } from '../../db/connection.js';
import { onSession, ownConnection } from '../../db/session.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import type { LockHolder } from '../../db/lock.js';
import type { AdapterOptions, DownKind, DownResult, DownTarget, GeneratedUp, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions, TableToolLock } from '../contract.js';
import { assertUpCount, selectForDown } from '../select.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { timedStep } from '../timed-step.js';
import { parseSqlFile } from '../sql/statements.js';
import { escapeRegExp } from '../../sql/escape-regexp.js';
import { changeSetChecksum, checksumVersion, CHECKSUM_VERSION } from './checksum.js';
import { identityOf, loadProject, type LiquibaseProject } from './changelog-dir.js';
import type { FormattedChangeSet } from './formatted-sql.js';
import { createTable, DEFAULT_SCHEMA, DEFAULT_TABLE, LIQUIBASE_VERSION, markRan, readRan, removeRan, startDeployment, tableExists, type ChangeLogTable, type RanChangeSet } from './history.js';
import { describeLockRow, lockHeldError, lockRow, lockTableOf, takeLock } from './lock-table.js';
import { findLiquibase, liquibaseMissing, runLiquibase, type LiquibaseProgram } from './program.js';
import { downOfShape, readChangelogShape, type ChangelogShape } from './changelog-shape.js';
import { generatedSql, type GeneratedChangeSet, type GeneratedSql } from './generated-sql.js';

export function createLiquibaseAdapter(options: AdapterOptions): MigratorAdapter {
  return new LiquibaseAdapter(options);
}

/** Liquibase's lock as the registry knows it before a project is opened (default table names). */
export function liquibaseLock(table: ChangeLogTable): TableToolLock {
  return {
    owner: 'Liquibase',
    held: async (db) => {
      const row = await lockRow(db, table);
      return row ? `${table.schema}.${table.table}lock ${describeLockRow(row)}` : null;
    },
  };
}

interface Known {
  /** Every changeset the changelog defines, in its order, with the name dbrollback shows. */
  defined: Array<{ name: string; key: string; down: DownKind; downNote?: string; path: string | null; set: FormattedChangeSet | null; again?: boolean }>;
  ran: RanChangeSet[];
  nameOf: (row: { id: string; author: string; filename: string }) => string;
}

class LiquibaseAdapter implements MigratorAdapter {
  readonly kind = 'liquibase' as const;
  readonly historyTable: ChangeLogTable;
  readonly toolLocks: TableToolLock[];
  /** DATABASECHANGELOGLOCK: set and cleared around every run. */
  readonly bookkeeping: { tables: ChangeLogTable[] };
  private program: Promise<LiquibaseProgram | null> | undefined;
  /** Liquibase's own list of pending changesets (program mode), kept until this adapter changes the database. */
  private pendingCache: Promise<string[]> | undefined;
  /** What the changelog says of each changeset's way back (program mode), read once. */
  private shape: Promise<ChangelogShape | null> | undefined;
  /** The SQL Liquibase generates for every changeset (program mode): it does not depend on the database, so it is kept. */
  private generated: Promise<GeneratedSql> | undefined;

  constructor(private readonly options: AdapterOptions) {
    this.historyTable = { schema: options.migrationsSchema ?? DEFAULT_SCHEMA, table: (options.migrationsTable ?? DEFAULT_TABLE).toLowerCase() };
    this.toolLocks = [liquibaseLock(this.historyTable)];
    this.bookkeeping = { tables: [lockTableOf(this.historyTable)] };
  }

  async status(): Promise<MigrationStatus> {
    const project = await loadProject(this.options.migrationsDir);
    const [ran, lock] = await onSession(this.options.session, this.options.conn, async (db) => [await readRan(db, this.historyTable), await lockRow(db, this.historyTable)] as const);
    const known = await this.known(project, ran);
    return statusFrom(this.kind, known, lock ? lockHolderOf(this.historyTable, describeLockRow(lock)) : null);
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const project = await loadProject(this.options.migrationsDir);
    if (project.mode === 'liquibase') return this.downThroughLiquibase(project, target, runOptions);
    const db = await ownConnection(this.options.session, this.options.conn);
    try {
      await setLockTimeout(db, runOptions.lockTimeoutMs);
      const known = await this.known(project, await readRan(db, this.historyTable));
      const status = statusFrom(this.kind, known, null);
      const selection = selectForDown(status.applied, target, status.migrations);
      if (selection.length === 0) return { steps: [], singleTransaction: true, headAfter: status.head };
      assertReversible(selection);
      assertChecksums(known);
      const major = (await serverVersion(db)).major;
      const byName = new Map(known.defined.map((d) => [d.name, d]));
      const rowByName = new Map(known.ran.map((r) => [known.nameOf(r), r]));
      const steps = await Promise.all(
        selection.map(async (m) => {
          const set = byName.get(m.name)!.set!;
          const rollback = set.rollback.kind === 'sql' ? set.rollback.sql : '';
          return { name: m.name, set, row: rowByName.get(m.name)!, statements: await statementsOf(rollback, set.rollbackSplitStatements, set.rollbackEndDelimiter, `${set.path}:${set.line} (rollback)`, major) };
        }),
      );
      const singleTransaction = steps.every((s) => s.set.runInTransaction);

      const release = await takeLock(db, this.historyTable);
      const durations = new Map<string, number>();
      let error: unknown;
      let failedName: string | undefined;
      let failedOutsideTransaction = false;
      // A changeset's rollback and the removal of its row: one unit, as Liquibase runs it.
      const undoOne = async (s: (typeof steps)[number]) => {
        for (const statement of s.statements) await db.query(statement);
        await removeRan(db, this.historyTable, s.row);
      };
      try {
        if (singleTransaction) {
          await inTransaction(db, async () => {
            for (const s of steps) {
              failedName = s.name;
              await timedStep(durations, s.name, runOptions, () => undoOne(s));
            }
          });
        } else {
          for (const s of steps) {
            failedName = s.name;
            failedOutsideTransaction = !s.set.runInTransaction;
            await timedStep(durations, s.name, runOptions, () => (s.set.runInTransaction ? inTransaction(db, () => undoOne(s)) : undoOne(s)));
          }
        }
      } catch (err) {
        error = err;
      } finally {
        await release().catch(() => undefined);
      }
      const after = await this.known(project, await readRan(db, this.historyTable));
      return downOutcome({
        kind: this.kind,
        selection,
        appliedAfter: after.ran.map(after.nameOf),
        singleTransaction,
        durations,
        ...(error !== undefined ? { error, failedName, failedOutsideTransaction } : {}),
      });
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const project = await loadProject(this.options.migrationsDir);
    if (project.mode === 'liquibase') return this.upThroughLiquibase(project, count, upOptions);
    const db = await ownConnection(this.options.session, this.options.conn);
    try {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      const known = await this.known(project, await readRan(db, this.historyTable));
      assertChecksums(known);
      const ranByKey = new Map(known.ran.map((r) => [identityOf(r), r]));
      // What Liquibase's update runs, in changelog order: what never ran, and what runs again (runAlways, a changed runOnChange).
      const toRun = known.defined.filter((d) => !ranByKey.has(d.key) || d.again === true).slice(0, count ?? Number.POSITIVE_INFINITY);
      if (toRun.length === 0) return [];
      const major = (await serverVersion(db)).major;
      const prepared = await Promise.all(toRun.map(async (d) => ({ d, statements: await statementsOf(d.set!.sql, d.set!.splitStatements, d.set!.endDelimiter, `${d.set!.path}:${d.set!.line}`, major) })));

      const release = await takeLock(db, this.historyTable);
      const done: string[] = [];
      try {
        if (!(await tableExists(db, this.historyTable))) await createTable(db, this.historyTable);
        const deployment = await startDeployment(db, this.historyTable, known.ran.at(-1)?.liquibase ?? LIQUIBASE_VERSION);
        for (const { d, statements } of prepared) {
          const set = d.set!;
          const apply = async () => {
            for (const statement of statements) await db.query(statement);
            await markRan(db, this.historyTable, deployment, { id: set.id, author: set.author, filename: set.filename, md5sum: changeSetChecksum(set.sql), comments: set.comments }, ranByKey.has(d.key));
          };
          if (set.runInTransaction) await inTransaction(db, apply);
          else await apply();
          done.push(d.name);
        }
      } catch (err) {
        const failed = prepared[done.length];
        throw new DbrollbackError(
          'MIGRATION_FAILED',
          `applying changeset ${failed?.d.name ?? '?'} failed: ${(err as Error).message}. ` +
            (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied.') +
            (failed && !failed.d.set!.runInTransaction ? ` ${failed.d.name} runs outside a transaction (runInTransaction:false) and may be partly applied.` : ''),
          { hint: 'Fix the failing changeset and run again: only what is still pending is applied.', cause: err, details: { applied: done, failed: failed?.d.name ?? null } },
        );
      } finally {
        await release().catch(() => undefined);
      }
      return done;
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const project = await loadProject(this.options.migrationsDir);
    const known = await onSession(this.options.session, this.options.conn, async (db) => this.known(project, await readRan(db, this.historyTable)));
    const found = known.defined.find((d) => d.name === name) ?? known.ran.map((r) => ({ name: known.nameOf(r), key: identityOf(r), set: null, path: null })).find((d) => d.name === name);
    if (!found) {
      throw new DbrollbackError('MIGRATION_NOT_FOUND', `no changeset named ${name} is defined in ${this.options.migrationsDir} or recorded in ${this.historyTable.schema}.${this.historyTable.table}`, {
        hint: 'Run `dbrollback status` for the changesets Liquibase knows.',
      });
    }
    if (found.set) {
      const set = found.set;
      if (direction === 'up') return { name, direction, sql: set.sql, source: 'file', path: set.path, note: null };
      if (set.rollback.kind === 'none') return { name, direction, sql: '', source: 'unknown', path: set.path, note: `changeset ${name} has no --rollback` };
      return { name, direction, sql: set.rollback.kind === 'sql' ? set.rollback.sql : '', source: 'file', path: set.path, note: null };
    }
    if (project.mode === 'direct') return { name, direction, sql: '', source: 'unknown', path: null, note: `${name} is recorded as ran but no changelog defines it` };
    let generated: GeneratedSql;
    try {
      generated = await this.generatedSql(project);
    } catch (err) {
      return { name, direction, sql: '', source: 'unknown', path: null, note: `Liquibase could not print the SQL of ${name}: ${(err as Error).message}` };
    }
    const g = generatedFor(generated, found.key);
    if (!g) return { name, direction, sql: '', source: 'unknown', path: null, note: `${name} is not in ${project.changelog} as Liquibase reads it` };
    if (direction === 'up') return { name, direction, sql: g.up, source: 'generated', path: null, note: null };
    if (g.down === null) return { name, direction, sql: '', source: 'unknown', path: null, note: `Liquibase cannot roll back ${name}: ${g.refused ?? 'it printed no rollback'}` };
    return { name, direction, sql: g.down, source: 'generated', path: null, note: null };
  }

  /**
   * The ups Liquibase generates for pending changesets it runs itself
   * (program mode: XML/YAML/JSON, or formatted SQL beyond dbrollback's
   * reading), from the same capture `plan` uses; a changeset dbrollback
   * reads from its .sql file is not here (classify reads that file).
   * Throws when Liquibase cannot print them (not installed, no Java).
   */
  async generatedUps(names: readonly string[]): Promise<Map<string, GeneratedUp>> {
    const out = new Map<string, GeneratedUp>();
    const project = await loadProject(this.options.migrationsDir);
    if (project.mode !== 'liquibase' || names.length === 0) return out;
    const known = await onSession(this.options.session, this.options.conn, async (db) => this.known(project, await readRan(db, this.historyTable)));
    const [generated, shape] = await Promise.all([this.generatedSql(project), this.changelogShape(project)]);
    for (const name of names) {
      const d = known.defined.find((x) => x.name === name);
      if (!d || d.set) continue;
      const g = generatedFor(generated, d.key);
      if (!g) continue;
      const parts = d.key.split('::');
      const changeSet = { id: parts.at(-2) ?? d.key, author: parts.at(-1) ?? '', filename: parts.slice(0, -2).join('::') };
      const own = shape?.changeSets.find((x) => identityOf(x) === d.key) ?? shape?.changeSets.find((x) => x.id === changeSet.id && x.author === changeSet.author);
      // A formatted SQL changeset runs as its file holds it: classified from there, its comments (dbrollback-ignore) kept.
      const written = own?.ownSql;
      out.set(name, { sql: written?.text ?? g.up, inTransaction: own?.runInTransaction ?? true, changeSet, generatedBy: 'Liquibase', ...(written ? { written: { path: written.path, line: written.line } } : {}) });
    }
    return out;
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  /** The changelog's changesets (Liquibase's word for program mode) with the names dbrollback shows. */
  private async known(project: LiquibaseProject, ran: RanChangeSet[]): Promise<Known> {
    const ranByKey = new Map(ran.map((r) => [identityOf(r), r]));
    // `again`: ran, and Liquibase's update runs it again (runAlways, or runOnChange with its SQL changed since).
    const defined: Array<{ key: string; id: string; down: DownKind; downNote?: string; path: string | null; set: FormattedChangeSet | null; again?: boolean }> =
      project.mode === 'direct'
        ? asRecorded(project.changeSets, ran).map((set) => ({ key: identityOf(set), id: set.id, down: set.rollback.kind === 'none' ? 'missing' : 'yes', path: set.path, set, again: runsAgain(set, ranByKey.get(identityOf(set))) }))
        : await (async () => {
            const downOf = shapeDowns(await this.changelogShape(project));
            return [
              ...ran.map((r) => ({ key: identityOf(r), id: r.id, path: null, set: null, ...downOf(identityOf(r)) })),
              // Liquibase's own list of what update runs: a ran changeset in it runs again.
              ...(await this.pending(project)).map((key) => ({ key, id: key.split('::')[1] ?? key, path: null, set: null, again: ranByKey.has(key), ...downOf(key) })),
            ];
          })();
    const ids = new Map<string, Set<string>>();
    for (const x of [...defined, ...ran.map((r) => ({ id: r.id, key: identityOf(r) }))]) ids.set(x.id, (ids.get(x.id) ?? new Set()).add(x.key));
    const nameOf = (row: { id: string; author: string; filename: string }) => ((ids.get(row.id)?.size ?? 0) > 1 ? identityOf(row) : row.id);
    return {
      defined: defined.map((d) => ({ name: (ids.get(d.id)?.size ?? 0) > 1 ? d.key : d.id, key: d.key, down: d.down, ...(d.downNote ? { downNote: d.downNote } : {}), path: d.path, set: d.set, ...(d.again ? { again: true } : {}) })),
      ran,
      nameOf,
    };
  }

  private liquibase(): Promise<LiquibaseProgram | null> {
    this.program ??= findLiquibase(this.options.migrationsDir);
    return this.program;
  }

  private async required(project: Extract<LiquibaseProject, { mode: 'liquibase' }>): Promise<LiquibaseProgram> {
    const program = await this.liquibase();
    if (!program) throw liquibaseMissing(`${project.why}: only the real Liquibase runs it`);
    return program;
  }

  private runOf(project: Extract<LiquibaseProject, { mode: 'liquibase' }>, program: LiquibaseProgram, lockTimeoutMs?: number) {
    return { program, conn: this.options.conn, dir: project.dir, changelog: project.changelog, table: this.historyTable, ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}) };
  }

  /** Liquibase's `status --verbose`: the identities it would run, in its order (one JVM start, then cached). */
  private pending(project: Extract<LiquibaseProject, { mode: 'liquibase' }>): Promise<string[]> {
    this.pendingCache ??= (async () => {
      const { stdout } = await runLiquibase(this.runOf(project, await this.required(project)), 'status', ['--verbose']);
      return stdout
        .split('\n')
        .map((l) => /^\s+(\S.*::.*::.*\S)\s*$/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined);
    })();
    this.pendingCache.catch(() => (this.pendingCache = undefined));
    return this.pendingCache;
  }

  private async downThroughLiquibase(project: Extract<LiquibaseProject, { mode: 'liquibase' }>, target: DownTarget, runOptions: RunDownOptions): Promise<DownResult> {
    const program = await this.required(project);
    const { known, lock } = await onSession(this.options.session, this.options.conn, async (db) => {
      const rows = await readRan(db, this.historyTable);
      return { known: await this.known(project, rows), lock: await lockRow(db, this.historyTable) };
    });
    const status = statusFrom(this.kind, known, null);
    const selection = selectForDown(status.applied, target, status.migrations);
    if (selection.length === 0) return { steps: [], singleTransaction: false, headAfter: status.head };
    if (lock) throw lockHeldError(this.historyTable, lock);
    // A changeset the changelog gives no way back (no <rollback>, a change Liquibase cannot invert): refused before any JVM starts.
    assertReversible(selection);
    // A --to naming a tag, not a changeset: Liquibase's own `rollback --tag`.
    const tag = 'to' in target && !status.applied.some((m) => m.name === target.to) ? target.to : null;
    const [check, act] = tag !== null ? [['rollback-sql', `--tag=${tag}`], ['rollback', `--tag=${tag}`]] : [['rollback-count-sql', `--count=${selection.length}`], ['rollback-count', `--count=${selection.length}`]];
    const run = this.runOf(project, program, runOptions.lockTimeoutMs);
    const keyOf = new Map(known.defined.map((d) => [d.name, d.key]));
    // The plan of this run already had Liquibase print these rollbacks: it can roll them all back.
    const generated = this.generated ? await this.generated.catch(() => null) : null;
    const proven = tag === null && generated !== null && selection.every((m) => (generatedFor(generated, keyOf.get(m.name) ?? '')?.down ?? null) !== null);
    try {
      // Liquibase would undo the newer changesets and only then stop at one it cannot roll back: ask it for the SQL first.
      if (!proven) await runLiquibase(run, check[0]!, [check[1]!]);
    } catch (err) {
      if (err instanceof DbrollbackError && /RollbackImpossible|No inverse|rollback/i.test(err.message)) {
        throw new DbrollbackError('IRREVERSIBLE', `refusing to undo: Liquibase cannot roll back the selected changesets (${err.message.replace(/^liquibase \S+ failed: /, '')}). Nothing was changed.`, {
          hint: 'Give the changeset a <rollback> (or undo only the changesets after it with --to NAME), or restore from a backup taken before it (`dbrollback plan` shows the restore option).',
          cause: err,
        });
      }
      throw err;
    }
    for (const m of selection) runOptions.onStep?.(m.name);
    const started = Date.now();
    let error: unknown;
    const pendingBefore = this.pendingCache;
    this.forgetLiquibaseOutput();
    try {
      await runLiquibase(run, act[0]!, [act[1]!]);
    } catch (err) {
      error = err;
    }
    const after = await onSession(this.options.session, this.options.conn, async (db) => readRan(db, this.historyTable));
    // What Liquibase would now list as pending, without asking it again: the undone changesets, then what was pending.
    const still = new Set(after.map(identityOf));
    const undoneKeys = known.ran.map(identityOf).filter((k) => !still.has(k));
    if (pendingBefore) this.pendingCache = pendingBefore.then((p) => [...undoneKeys, ...p]);
    const durations = new Map(selection.map((m) => [m.name, error === undefined ? Math.round((Date.now() - started) / selection.length) : 0]));
    return downOutcome({ kind: this.kind, selection, appliedAfter: after.map(known.nameOf), singleTransaction: false, durations, ...(error !== undefined ? { error } : {}) });
  }

  private async upThroughLiquibase(project: Extract<LiquibaseProject, { mode: 'liquibase' }>, count: number | undefined, upOptions: RunUpOptions): Promise<string[]> {
    const program = await this.required(project);
    const before = await onSession(this.options.session, this.options.conn, async (db) => {
      const lock = await lockRow(db, this.historyTable);
      if (lock) throw lockHeldError(this.historyTable, lock);
      return readRan(db, this.historyTable);
    });
    const pendingBefore = this.pendingCache;
    if (pendingBefore && (await pendingBefore).length === 0) return [];
    this.forgetLiquibaseOutput();
    let error: unknown;
    try {
      await runLiquibase(this.runOf(project, program, upOptions.lockTimeoutMs), count === undefined ? 'update' : 'update-count', count === undefined ? [] : [`--count=${count}`]);
    } catch (err) {
      error = err;
    }
    const after = await onSession(this.options.session, this.options.conn, async (db) => readRan(db, this.historyTable));
    // A changeset run again keeps its row, with a new DATEEXECUTED and ORDEREXECUTED (EXECTYPE RERAN).
    const stamp = (r: RanChangeSet) => `${r.orderExecuted}@${r.dateExecuted.getTime()}`;
    const had = new Map(before.map((r) => [identityOf(r), stamp(r)]));
    const appliedRows = after.filter((r) => had.get(identityOf(r)) !== stamp(r));
    const nowRan = new Set(appliedRows.map(identityOf));
    // What Liquibase would now list as pending, without asking it again.
    if (pendingBefore) this.pendingCache = pendingBefore.then((p) => p.filter((k) => !nowRan.has(k)));
    // Names as status gives them (no JVM just for names when nothing was asked before: ids then).
    const known = pendingBefore ? await this.known(project, after).catch(() => null) : null;
    const applied = appliedRows.map((r) => known?.nameOf(r) ?? r.id);
    if (error !== undefined) {
      throw new DbrollbackError('MIGRATION_FAILED', `${(error as Error).message}. ${applied.length > 0 ? `Applied before the failure: ${applied.join(', ')}.` : 'Nothing was applied.'}`, {
        hint: 'Fix the failing changeset and run again: only what is still pending is applied.',
        cause: error,
        details: { applied },
      });
    }
    return applied;
  }

  /** What Liquibase said of this database before this adapter changed it no longer holds. */
  private forgetLiquibaseOutput(): void {
    this.pendingCache = undefined;
  }

  private changelogShape(project: Extract<LiquibaseProject, { mode: 'liquibase' }>): Promise<ChangelogShape | null> {
    this.shape ??= readChangelogShape(project.dir, project.changelog).catch(() => null);
    return this.shape;
  }

  /** Liquibase's SQL for every changeset, from a scratch database (a throwaway local cluster) or the capture cache. */
  private generatedSql(project: Extract<LiquibaseProject, { mode: 'liquibase' }>): Promise<GeneratedSql> {
    this.generated ??= (async () => generatedSql({ program: await this.required(project), dir: project.dir, changelog: project.changelog, table: this.historyTable }))();
    this.generated.catch(() => (this.generated = undefined));
    return this.generated;
  }
}

/**
 * The FILENAME the team's own Liquibase records depends on how it is run
 * (`--changelog-file=db/changelog/shop.sql` from the repository root records
 * that path). A file whose changesets the table holds under another path
 * ending in the file's name is that file: its changesets — ran and new —
 * take the recorded path, so nothing is seen as pending twice and new rows
 * match the old ones; files not run yet take the same directory, when every
 * matched file had one.
 */
function asRecorded(changeSets: readonly FormattedChangeSet[], ran: readonly RanChangeSet[]): FormattedChangeSet[] {
  const recorded = new Set(ran.map(identityOf));
  const byFile = new Map<string, string>();
  for (const set of changeSets) {
    if (byFile.has(set.filename) || recorded.has(identityOf(set))) continue;
    const row = ran.find((r) => r.id === set.id && r.author === set.author && r.filename !== set.filename && (r.filename.endsWith(`/${set.filename}`) || r.filename.endsWith(`\\${set.filename}`)));
    if (row) byFile.set(set.filename, row.filename);
  }
  if (byFile.size === 0) return [...changeSets];
  // One directory prefix for every file that matched: the files not run yet live there too.
  const prefixes = new Set([...byFile].map(([file, path]) => path.slice(0, path.length - file.length)));
  const prefix = prefixes.size === 1 ? [...prefixes][0]! : null;
  const ranFiles = new Set(ran.map((r) => r.filename));
  return changeSets.map((set) => {
    const path = byFile.get(set.filename) ?? (prefix !== null && !ranFiles.has(set.filename) ? prefix + set.filename : null);
    return path === null ? set : { ...set, filename: path };
  });
}

function statusFrom(kind: string, known: Known, lockHolder: LockHolder | null): MigrationStatus {
  const byKey = new Map(known.defined.map((d) => [d.key, d]));
  const ranKeys = new Set(known.ran.map(identityOf));
  const tags = new Map<string, string[]>();
  for (const [i, r] of known.ran.entries()) {
    if (!r.tag) continue;
    // A tag a tagDatabase changeset set: Liquibase's `rollback --tag` undoes that changeset too (its AfterTagChangeSetFilter:
    // "changeSet is just tagging the database. Also remove it"), so undoing to the tag keeps the changeset before it.
    const holder = r.description?.trim() === 'tagDatabase' ? known.ran[i - 1] : r;
    if (holder) tags.set(identityOf(holder), [...(tags.get(identityOf(holder)) ?? []), r.tag]);
  }
  const applied: MigrationInfo[] = known.ran.map((r) => {
    const def = byKey.get(identityOf(r));
    const t = tags.get(identityOf(r));
    return { name: known.nameOf(r), path: def?.path ?? null, applied: true, appliedAt: r.dateExecuted, down: def ? def.down : 'missing', ...(def?.downNote ? { downNote: def.downNote } : {}), ...(t ? { tags: t } : {}) };
  });
  // In the order update runs them: what never ran, and what runs again (listed as applied too, as it stays until it runs).
  const pending: MigrationInfo[] = known.defined.filter((d) => !ranKeys.has(d.key) || d.again === true).map((d) => ({ name: d.name, path: d.path, applied: false, appliedAt: null, down: d.down, ...(d.downNote ? { downNote: d.downNote } : {}) }));
  return {
    migrator: kind,
    migrations: [...applied, ...pending],
    applied,
    pending,
    head: applied.at(-1)?.name ?? null,
    missingDefinitions: known.ran.filter((r) => !byKey.has(identityOf(r))).map(known.nameOf),
    lockHolder,
  };
}

/** Whether Liquibase's update runs a ran changeset again: runAlways, or runOnChange with its SQL changed since. */
function runsAgain(set: FormattedChangeSet, row: RanChangeSet | undefined): boolean {
  if (!row) return false;
  return set.runAlways || (set.runOnChange && row.md5sum !== changeSetChecksum(set.sql));
}

/** Liquibase's validation: a ran changeset whose SQL changed since (not runOnChange, not allowed by a validCheckSum) stops every update and rollback. */
function assertChecksums(known: Known): void {
  const ranByKey = new Map(known.ran.map((r) => [identityOf(r), r]));
  const changed: string[] = [];
  for (const d of known.defined) {
    const row = ranByKey.get(d.key);
    const set = d.set;
    if (!row || !set || set.runOnChange || set.runAlways) continue;
    // A checksum of another version (8: before Liquibase 4.22) or none is recomputed by Liquibase, not compared.
    if (row.md5sum === null || checksumVersion(row.md5sum) !== CHECKSUM_VERSION) continue;
    const now = changeSetChecksum(set.sql);
    if (now === row.md5sum || set.validCheckSums.some((v) => v.toUpperCase() === 'ANY' || v === row.md5sum || v === now)) continue;
    changed.push(`${d.name} (${set.path}:${set.line}: recorded ${row.md5sum}, now ${now})`);
  }
  if (changed.length > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `the SQL of changesets Liquibase already ran has changed since: ${changed.join('; ')}. Liquibase refuses to update or roll back such a changelog, and so does dbrollback. Nothing was changed.`, {
      hint: 'Put the changeset back as it ran (and make the change in a new changeset), or, if the edit is harmless, add --validCheckSum: <new checksum> to it.',
      details: { changed },
    });
  }
}

/** The statements to send: split as Liquibase splits them (by the parser, or on endDelimiter), or the whole text when splitStatements is false. */
async function statementsOf(sql: string, split: boolean, endDelimiter: string | null, where: string, major: number): Promise<string[]> {
  if (sql.trim() === '') return [];
  if (!split) return [sql];
  if (endDelimiter !== null && endDelimiter !== ';') {
    return sql.split(new RegExp(`${escapeRegExp(endDelimiter)}[ \\t]*(?:\\r?\\n|$)`)).map((s) => s.trim()).filter((s) => s !== '');
  }
  return (await parseSqlFile(sql, where, major)).statements;
}

async function inTransaction(db: Db, fn: () => Promise<void>): Promise<void> {
  await db.query('BEGIN');
  try {
    await fn();
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

function lockHolderOf(table: ChangeLogTable, description: string): LockHolder {
  return { pid: 0, user: null, applicationName: null, clientAddr: null, backendStart: null, query: null, description: `in ${table.schema}.${table.table}lock: ${description}` };
}

/** A changeset's down as the changelog's shape gives it; `inferred` (Liquibase decides) for one the shape does not hold. */
function shapeDowns(shape: ChangelogShape | null): (key: string) => { down: DownKind; downNote?: string } {
  const byKey = new Map<string, ReturnType<typeof downOfShape>>();
  const byIdAuthor = new Map<string, ReturnType<typeof downOfShape> | null>();
  for (const set of shape?.changeSets ?? []) {
    const down = downOfShape(set);
    byKey.set(identityOf(set), down);
    const short = `${set.id}::${set.author}`;
    byIdAuthor.set(short, byIdAuthor.has(short) ? null : down);
  }
  return (key) => {
    const found = byKey.get(key) ?? byIdAuthor.get(key.split('::').slice(-2).join('::')) ?? null;
    const d = found ?? { down: 'inferred' as const, note: `how Liquibase rolls it back is not read from the changelog${shape?.incomplete ? ` (${shape.incomplete})` : ''}; Liquibase decides when undo runs` };
    return { down: d.down, ...(d.note ? { downNote: d.note } : {}) };
  };
}

/** The generated SQL of a changeset by its identity, else by id and author when only one changeset has them (the team's Liquibase recorded another FILENAME). */
function generatedFor(generated: GeneratedSql, key: string): GeneratedChangeSet | undefined {
  const exact = generated.changeSets.get(key);
  if (exact) return exact;
  const tail = `::${key.split('::').slice(-2).join('::')}`;
  const matches = [...generated.changeSets].filter(([k]) => k.endsWith(tail));
  return matches.length === 1 ? matches[0]![1] : undefined;
}
