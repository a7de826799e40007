/**
 * Flyway behind the adapter contract. Flyway is a Java program that cannot
 * be installed here, so dbrollback does what `flyway migrate` and Flyway
 * Teams' `flyway undo` do on PostgreSQL (Flyway 12; history.ts and
 * checksum.ts say where each rule comes from):
 *
 *  - under Flyway's own advisory lock (history.ts: flywayLockKey), so
 *    Flyway and dbrollback never run at once;
 *  - validate first, as migrate's validateOnMigrate and undo do: a failed
 *    migration recorded (success = false) stops everything until
 *    `flyway repair`; a changed checksum, an applied migration gone from
 *    disk, or a pending version below an applied one stops migrate;
 *  - each script in its own transaction with its history row (a failure
 *    rolls both back and records nothing) — unless it holds a statement
 *    PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY, ...) or
 *    its `.sql.conf` says executeInTransaction=false: then its statements
 *    run one by one and a failure is recorded as a failed row, as Flyway
 *    records it;
 *  - versioned migrations in version order, then repeatables — new ones and
 *    those whose checksum changed since they were applied (Flyway's
 *    "Outdated": each re-applied with a new row, version NULL, in
 *    description order); `up(1)` applies one, so `migrate` puts a restore
 *    point before each;
 *  - the project's Flyway configuration (config.ts: flyway.toml /
 *    flyway.conf, and Flyway's environment variables over them) for
 *    outOfOrder, placeholders, the history table and its
 *    schema; placeholders replaced and checksums computed as Flyway does
 *    (placeholders.ts);
 *  - what Flyway's migrate applies: up to its `target` (the migrations above
 *    it listed as pending with why they will not run); with
 *    baselineOnMigrate, a BASELINE row first on a schema holding objects but
 *    no history; validation as `ignoreMigrationPatterns` and
 *    `validateOnMigrate` say; a script mixing statements PostgreSQL refuses
 *    in a transaction with others refused unless `mixed`; `group` (one
 *    transaction for every pending migration) refused before anything runs;
 *    on a database without history, the latest baseline migration (`B`
 *    script, recorded as SQL_BASELINE) instead of the versions at or below it;
 *  - a Java migration (type JDBC) is listed, never run: migrate refuses a
 *    selection that reaches it, and without a U script its way back is a
 *    restore;
 *  - undo: the U script of each selected version, newest first, each in
 *    its own transaction with an UNDO_SQL row (Flyway's default, without
 *    `group`). A version without a U script cannot be undone: the way back
 *    is a restore.
 */
import { DbrollbackError } from '../../errors.js';
import { serverVersion, type Db } from '../../db/connection.js';
import { advisoryLockHolder, describeHolder } from '../../db/lock.js';
import { invalidIndexes } from '../../db/invalid-indexes.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import { onSession, ownConnection } from '../../db/session.js';
import type { AdapterOptions, AdvisoryToolLock, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { assertUpCount, migrationNotDefined, selectForDown } from '../select.js';
import { parseSqlFile } from '../sql/statements.js';
import { timedStep } from '../timed-step.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadFlywayConfig, type FlywayConfig } from './config.js';
import { configuredOutsideTransaction, loadLocation, readScript, readTexts, type FlywayLocation, type FlywayMigration, type FlywayScript } from './files.js';
import { addRow, createTable, DEFAULT_SCHEMA, DEFAULT_TABLE, flywayLockKey, readRows, schemaObjects, tableExists, type HistoryRow, type HistoryTable, type NewRow } from './history.js';
import { checksumsOf, replacePlaceholders, type PlaceholderContext } from './placeholders.js';
import { compareVersions } from './names.js';
import { isBaselineType, pendingInfo, stateOf, toInfo, type Checksums, type FlywayState } from './state.js';

export const FLYWAY_NAME = 'Flyway';

export function flywayLock(table: HistoryTable): AdvisoryToolLock {
  return { key: flywayLockKey(table), owner: 'Flyway' };
}

export function createFlywayAdapter(options: AdapterOptions): MigratorAdapter {
  return new FlywayAdapter(options);
}

class FlywayAdapter implements MigratorAdapter {
  readonly kind = 'flyway' as const;
  readonly historyTable: HistoryTable;
  readonly toolLocks: AdvisoryToolLock[];
  private readonly config: FlywayConfig;
  /** `${flyway:timestamp}`: when this adapter was opened (one run). */
  private readonly startedAt = new Date();

  constructor(private readonly options: AdapterOptions) {
    // dbrollback's settings win over the Flyway configuration's, as a flag wins over a file.
    this.config = loadFlywayConfig();
    this.historyTable = { schema: options.migrationsSchema ?? this.config.defaultSchema ?? DEFAULT_SCHEMA, table: options.migrationsTable ?? this.config.table ?? DEFAULT_TABLE };
    this.toolLocks = [flywayLock(this.historyTable)];
  }

  private get lock(): AdvisoryToolLock {
    return this.toolLocks[0]!;
  }

  async status(): Promise<MigrationStatus> {
    const location = await loadLocation(this.options.migrationsDir, this.config.naming, this.config.baselineMigrationPrefix);
    const texts = await readTexts(location);
    return onSession(this.options.session, this.options.conn, async (db) => {
      const state = await this.stateOn(db, location, texts);
      const unrunnable = await this.unrunnable(db, state);
      return this.statusFrom(state, location, await advisoryLockHolder(db, this.lock.key), unrunnable);
    });
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const location = await loadLocation(this.options.migrationsDir, this.config.naming, this.config.baselineMigrationPrefix);
    const texts = await readTexts(location);
    const db = await ownConnection(this.options.session, this.options.conn);
    try {
      await setLockTimeout(db, runOptions.lockTimeoutMs);
      const state = await this.stateOn(db, location, texts);
      const status = this.statusFrom(state, location, null, new Map());
      const selection = selectForDown(status.applied, target, status.migrations);
      if (selection.length === 0) return { steps: [], singleTransaction: true, headAfter: status.head };
      refuseFailed(state, this.historyTable);
      // Refuse before anything runs: every selected version needs its U script, and every script must parse.
      assertReversible(selection);
      refuseCallbacks(location, 'undo');
      const major = (await serverVersion(db)).major;
      const byName = new Map(state.applied.map((a) => [a.name, a]));
      const ctx = await this.placeholderContext(db);
      const prepared = await Promise.all(selection.map(async (m) => prepare(byName.get(m.name)!.migration!.undo!, 'undo', major, ctx, this.config)));
      const installedBy = await this.installedBy(db);

      await this.lockOrFail(db);
      const durations = new Map<string, number>();
      let error: unknown;
      let failedName: string | undefined;
      let failedOutsideTransaction = false;
      try {
        for (const [i, m] of selection.entries()) {
          const p = prepared[i]!;
          failedName = m.name;
          failedOutsideTransaction = !p.inTransaction;
          await timedStep(durations, m.name, runOptions, () => runScript(db, this.historyTable, p, 'UNDO_SQL', installedBy));
        }
      } catch (err) {
        error = err;
      } finally {
        await this.unlock(db);
      }
      const after = await this.stateOn(db, location, texts);
      return downOutcome({
        kind: this.kind,
        selection,
        appliedAfter: after.applied.map((a) => a.name),
        singleTransaction: selection.length === 1 && prepared[0]!.inTransaction,
        durations,
        ...(error !== undefined ? { error: unwrap(error), failedName, failedOutsideTransaction } : {}),
      });
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const location = await loadLocation(this.options.migrationsDir, this.config.naming, this.config.baselineMigrationPrefix);
    const texts = await readTexts(location);
    const db = await ownConnection(this.options.session, this.options.conn);
    try {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      await this.lockOrFail(db);
      const done: string[] = [];
      try {
        const state = await this.stateOn(db, location, texts);
        refuseFailed(state, this.historyTable);
        const blocked = this.migrateBlock(state, location, state.pending.length);
        if (blocked) throw new DbrollbackError('MIGRATIONS_INVALID', blocked.message, { hint: blocked.hint, ...(blocked.details ? { details: blocked.details } : {}) });
        const ctx = await this.placeholderContext(db);
        const toApply = state.pending.slice(0, count ?? Number.POSITIVE_INFINITY);
        if (toApply.length === 0) return [];
        refuseCallbacks(location, 'migrate');
        refuseJava(toApply);
        const major = (await serverVersion(db)).major;
        const prepared = await Promise.all(toApply.map((m) => prepare(m, m.kind, major, ctx, this.config)));
        await this.initialize(db);
        const installedBy = await this.installedBy(db);
        for (const p of prepared) {
          await runScript(db, this.historyTable, p, (p.script as FlywayMigration).baseline ? 'SQL_BASELINE' : 'SQL', installedBy);
          done.push(p.script.name);
        }
        return done;
      } catch (err) {
        if (!(err instanceof ScriptFailed)) throw err;
        // A failed CONCURRENTLY build outside a transaction leaves its index INVALID: what to undo by hand, named.
        const invalid = err.recordedFailed ? await invalidIndexes(db).catch(() => []) : [];
        const leftBehind = invalid.length > 0 ? ` The database now holds ${invalid.length === 1 ? 'an INVALID index' : 'INVALID indexes'}: ${invalid.join(', ')} (a failed CONCURRENTLY index build is not rolled back).` : '';
        const dropFirst = invalid.length > 0 ? `run ${invalid.map((i) => `\`DROP INDEX CONCURRENTLY ${i};\``).join(' ')} and undo by hand anything else ` : 'undo by hand what ';
        throw new DbrollbackError(
          'MIGRATION_FAILED',
          `applying ${err.script.name} failed: ${(err.cause as Error).message}. ${err.recordedFailed ? `It ran outside a transaction, so statements before the failing one took effect, and ${this.tableName} now records it as failed (success = false), as Flyway records it.${leftBehind}` : 'Its transaction was rolled back and nothing was recorded, as Flyway does on PostgreSQL.'} ` +
            (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied before it.'),
          {
            hint: err.recordedFailed
              ? `First ${dropFirst}${err.script.script} left half-done, then run \`flyway repair\` (it deletes the failed row); fix ${err.script.script} and migrate again: Flyway and dbrollback refuse to migrate or undo while a failed migration is recorded.`
              : `Fix ${err.script.script} and run again: only pending migrations are applied.`,
            cause: err.cause,
            // recordedFailed: the history blocks every later migrate and undo until it is repaired (migrate keeps this hint first).
            details: { applied: done, failed: err.script.name, recordedFailed: err.recordedFailed, ...(invalid.length > 0 ? { invalidIndexes: invalid } : {}) },
          },
        );
      } finally {
        await this.unlock(db);
      }
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const location = await loadLocation(this.options.migrationsDir, this.config.naming, this.config.baselineMigrationPrefix);
    const m = [...location.migrations, ...location.baselines].find((x) => x.name === name);
    if (!m) throw migrationNotDefined(name, this.options.migrationsDir);
    if (direction === 'up' && m.language === 'java') return { name, direction, sql: '', source: 'unknown', path: null, note: `a Java migration (class ${m.script}): dbrollback cannot see the SQL it runs` };
    const script = direction === 'up' ? m : m.undo;
    if (!script) return { name, direction, sql: '', source: 'unknown', path: null, note: m.downNote ?? `${name} has no undo script` };
    // The text as Flyway sends it: plan and the round trip parse and run what migrate and undo run, not `${...}`.
    const raw = (await readScript(script)).text;
    const sql = await onSession(this.options.session, this.options.conn, async (db) => replacePlaceholders(raw, script, await this.placeholderContext(db)));
    return { name, direction, sql, source: 'file', path: script.path, note: null };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  /** The history against the files, with the checksums Flyway would compute now and the configured outOfOrder. */
  private async stateOn(db: Db, location: FlywayLocation, texts: ReadonlyMap<string, string>): Promise<FlywayState> {
    const ctx = await this.placeholderContext(db);
    let rows = await readRows(db, this.historyTable);
    // A schema holding objects but no history: migrate first records a baseline (baselineOnMigrate), so what it applies is read above it — or it is refused.
    const objects = rows.length === 0 && !(await tableExists(db, this.historyTable)) ? await schemaObjects(db, this.historyTable) : [];
    const willBaseline = objects.length > 0 && this.config.baselineOnMigrate ? this.baselineRow(ctx.user) : undefined;
    if (willBaseline) rows = [willBaseline];
    const state = stateOf(location, rows, checksumsNow(location, texts, ctx), { outOfOrder: this.config.outOfOrder, target: this.config.target, ignorePatterns: this.config.ignoreMigrationPatterns });
    // The baseline is not recorded yet: nothing is applied.
    if (willBaseline) return { ...state, applied: [], baseline: null, willBaseline };
    return objects.length > 0 ? { ...state, unbaselined: objects } : state;
  }

  /** Database.getInstalledBy: the configured installedBy, else current_user. */
  private async installedBy(db: Db): Promise<string> {
    return this.config.installedBy ?? (await currentUser(db));
  }

  /** Database.getBaselineStatement: rank 1, baselineVersion, baselineDescription as description and script, no checksum. */
  private baselineRow(installedBy: string): HistoryRow {
    const description = this.config.baselineDescription;
    return { installedRank: 1, version: this.config.baselineVersion, description, type: 'BASELINE', script: description, checksum: null, installedBy, installedOn: new Date(), executionTime: 0, success: true };
  }

  /**
   * Pending migrations dbrollback refuses to apply though Flyway would run
   * them differently: a script that mixes statements PostgreSQL refuses in a
   * transaction with others, which Flyway refuses without `mixed` (by path).
   */
  private async unrunnable(db: Db, state: FlywayState): Promise<Map<string, { reason: string; hint: string }>> {
    const out = new Map<string, { reason: string; hint: string }>();
    if (this.config.mixed || state.pending.length === 0) return out;
    const major = (await serverVersion(db)).major;
    const ctx = await this.placeholderContext(db);
    for (const m of state.pending) {
      if (m.language !== 'sql') continue;
      try {
        await prepare(m, m.kind, major, ctx, this.config);
      } catch (err) {
        // Only the mixed refusal is about this migration's selection; a syntax error or a missing placeholder is reported when it is applied.
        if (err instanceof DbrollbackError && err.code === 'MIGRATIONS_INVALID' && (err.details as { mixed?: boolean } | undefined)?.mixed) out.set(m.path, { reason: err.message.replace(/ Nothing was run\.$/, ''), hint: err.hint ?? '' });
      }
    }
    return out;
  }

  /** What stops Flyway's migrate (and dbrollback's) before anything runs, besides a failed migration; null when nothing does. */
  private migrateBlock(state: FlywayState, location: FlywayLocation, toApply: number): NonNullable<MigrationStatus['migrateBlocked']> | null {
    const blocks: Array<NonNullable<MigrationStatus['migrateBlocked']>> = [];
    if (state.unbaselined && state.pending.length > 0) blocks.push(nonEmptySchema(this.historyTable, state.unbaselined));
    if (state.targetProblem) {
      blocks.push({ message: state.targetProblem, hint: `Set target to a version a migration has, or write it as ${this.config.target.kind === 'version' ? this.config.target.version : '<version>'}? to stop there without failing, or remove it (${this.config.target.kind === 'version' ? this.config.target.from : 'the Flyway configuration'}).` });
    }
    if (this.config.validateOnMigrate) {
      const invalid = invalidBlock(state, this.historyTable);
      if (invalid) blocks.push(invalid);
    }
    if (this.config.skipExecutingMigrations && toApply > 0) {
      blocks.push({
        message: `skipExecutingMigrations is true in the Flyway configuration: Flyway's migrate would record the ${toApply} pending migration(s) in its history without running them; dbrollback records only what it ran, so it refuses`,
        hint: 'Run this migrate with flyway itself if recording without running is intended, or set skipExecutingMigrations = false in the Flyway configuration. Nothing was changed.',
      });
    }
    if (this.config.group && toApply > 1) {
      blocks.push({
        message: `group is true in the Flyway configuration: Flyway applies all ${toApply} pending migrations in one transaction; dbrollback applies them one at a time (a restore point before each), so it would not do what Flyway does`,
        hint: 'Run this migrate with flyway itself (dbrollback reads the history it writes), or set group = false in the Flyway configuration if a transaction per migration is what the team wants. Nothing was changed.',
      });
    }
    if (blocks.length === 0) return null;
    if (blocks.length === 1) return blocks[0]!;
    return { message: blocks.map((b) => b.message).join('\n'), hint: blocks.map((b) => b.hint).join(' '), details: Object.assign({}, ...blocks.map((b) => b.details ?? {})) };
  }

  /** ParsingContext.populate: the built-in placeholders' values on this connection. */
  private async placeholderContext(db: Db): Promise<PlaceholderContext> {
    const { rows } = await db.query<{ u: string; d: string }>('SELECT current_user AS u, current_database() AS d');
    return { config: this.config, defaultSchema: this.historyTable.schema, table: this.historyTable.table, user: rows[0]!.u, database: rows[0]!.d, startedAt: this.startedAt };
  }

  private statusFrom(state: FlywayState, location: FlywayLocation, lockHolder: MigrationStatus['lockHolder'], unrunnable: ReadonlyMap<string, { reason: string; hint: string }>): MigrationStatus {
    const dir = path.resolve(this.options.migrationsDir);
    const notes: string[] = [];
    if (this.config.locations.length > 0 && !this.config.locations.includes(dir)) {
      notes.push(`the Flyway configuration (${[...this.config.files, ...this.config.environmentVariables].join(', ')}) names the locations ${this.config.locations.join(', ')}, and --migrations is ${dir}: dbrollback reads only --migrations`);
    }
    for (const reason of location.ignored) notes.push(`${reason}: not a migration, ignored as Flyway ignores it (validateMigrationNaming=false); set validateMigrationNaming=true to have Flyway and dbrollback refuse it`);
    for (const s of state.skipped) notes.push(`${s.migration.name} is pending but will not run: ${s.reason}`);
    if (state.willBaseline) {
      notes.push(`${this.tableName} does not exist and its schema holds objects: migrate first records a BASELINE at version ${this.config.baselineVersion} (baselineOnMigrate), as Flyway does, then applies the versions above it`);
    }
    for (const [p, u] of unrunnable) notes.push(`${path.relative(dir, p) || p}: ${u.reason}`);
    const blocked = this.migrateBlock(state, location, state.pending.length);
    return statusFrom(state, this.historyTable, location, lockHolder, notes, blocked, unrunnable, this.config.validateOnMigrate);
  }

  private get tableName(): string {
    return `${this.historyTable.schema}.${this.historyTable.table}`;
  }

  /** Flyway's first migrate: the history table is created in an empty schema; a schema holding objects but no history needs a baseline first. */
  private async initialize(db: Db): Promise<void> {
    if (await tableExists(db, this.historyTable)) return;
    const others = await schemaObjects(db, this.historyTable);
    if (others.length > 0 && this.config.baselineOnMigrate) {
      await createTable(db, this.historyTable, this.baselineRow(await this.installedBy(db)));
      return;
    }
    if (others.length > 0) {
      const { message, hint } = nonEmptySchema(this.historyTable, others);
      throw new DbrollbackError('MIGRATIONS_INVALID', message, { hint });
    }
    await createTable(db, this.historyTable);
  }

  private async lockOrFail(db: Db): Promise<void> {
    const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [this.lock.key.toString()]);
    if (rows[0]?.ok) return;
    const holder = await advisoryLockHolder(db, this.lock.key);
    throw new DbrollbackError('LOCK_HELD', `Flyway is running on this database (its advisory lock ${this.lock.key} on ${this.tableName} is held by ${holder ? describeHolder(holder) : 'another session'})`, {
      hint: 'Wait for the running flyway migrate/undo to finish (or end that session if it is stuck) and try again. Nothing was changed.',
      details: { holder, owner: this.lock.owner },
    });
  }

  private async unlock(db: Db): Promise<void> {
    await db.query('SELECT pg_advisory_unlock($1::bigint)', [this.lock.key.toString()]).catch(() => undefined);
  }
}

interface Prepared {
  script: FlywayScript;
  text: string;
  checksum: number;
  statements: string[];
  inTransaction: boolean;
}

/** The script as Flyway sends it (placeholders replaced), with the checksum Flyway records for it. */
async function prepare(script: FlywayScript, kind: FlywayMigration['kind'] | 'undo', major: number, ctx: PlaceholderContext, config: Pick<FlywayConfig, 'mixed' | 'executeInTransaction'>): Promise<Prepared> {
  const { text: raw } = await readScript(script);
  const text = replacePlaceholders(raw, script, ctx);
  const { checksum } = checksumsOf({ ...script, kind }, raw, ctx);
  const parsed = await parseSqlFile(text, script.path, major);
  // ParserSqlScript: without mixed, Flyway refuses a script holding both kinds, unless its .sql.conf or executeInTransaction=false says how to run it.
  const configured = configuresTransaction(script.path);
  if (!config.mixed && config.executeInTransaction && parsed.mixedWith !== null && !configured) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${script.script} holds both statements PostgreSQL refuses in a transaction (${firstLine(parsed.mixedWith)}) and others: Flyway refuses such a migration while mixed is false ("Detected both transactional and non-transactional statements within the same migration"), and so does dbrollback. Nothing was run.`, {
      hint: `Move the statement into a migration of its own, or set mixed = true in the Flyway configuration (Flyway and dbrollback then run all of ${script.script} outside a transaction).`,
      details: { mixed: true, script: script.script },
    });
  }
  // ParserSqlScript.executeInTransaction: the script's .sql.conf, else none refused and the global executeInTransaction.
  const inTransaction = parsed.noTransactionReason === null && !configuredOutsideTransaction(script.path) && (config.executeInTransaction || configured);
  return { script, text, checksum, statements: parsed.statements, inTransaction };
}

function firstLine(sql: string): string {
  const line = sql.split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** Each SQL script's checksum as Flyway computes it now; a repeatable whose placeholders have no value keeps its file's own (migrate then names the placeholder). */
function checksumsNow(location: FlywayLocation, texts: ReadonlyMap<string, string>, ctx: PlaceholderContext): Checksums {
  const out = new Map<string, { checksum: number; equivalent: number | null }>();
  for (const m of location.migrations) {
    const text = texts.get(m.path);
    if (text === undefined) continue;
    try {
      out.set(m.path, checksumsOf(m, text, ctx));
    } catch {
      out.set(m.path, checksumsOf({ ...m, kind: 'versioned' }, text, ctx));
    }
  }
  return out;
}

/** Defence behind migrate's own refusal (select-pending.ts): a Java migration is never run. */
function refuseJava(toApply: readonly FlywayMigration[]): void {
  const java = toApply.find((m) => m.language === 'java');
  if (!java) return;
  throw new DbrollbackError('MIGRATIONS_INVALID', `${java.name} is a Java migration (class ${java.script}, ${java.path}): dbrollback runs SQL scripts only, so it cannot apply it or anything after it. Nothing was applied.`, {
    hint: 'Apply it with `flyway migrate` (or the application\'s own Flyway, with the class on its classpath), then run dbrollback again.',
  });
}

/** Flyway runs SQL callbacks around migrate and undo; dbrollback does not, so it does not pretend to be Flyway there. */
function refuseCallbacks(location: FlywayLocation, command: 'migrate' | 'undo'): void {
  if (location.callbacks.length === 0) return;
  throw new DbrollbackError('MIGRATIONS_INVALID', `${location.dir} holds Flyway callback scripts (${location.callbacks.join(', ')}): Flyway runs them around ${command}, and dbrollback does not run them. Nothing was run.`, {
    hint: `Run the ${command} with flyway itself (dbrollback reads the history it writes), or move the callbacks out of the migrations directory.`,
    details: { callbacks: location.callbacks },
  });
}

/** Flyway's refusal of a schema holding objects but no history table, without baselineOnMigrate. */
function nonEmptySchema(table: HistoryTable, objects: readonly string[]): { message: string; hint: string } {
  return {
    message: `Found non-empty schema "${table.schema}" (${objects.slice(0, 5).join(', ')}${objects.length > 5 ? ', …' : ''}) but no schema history table ${table.schema}.${table.table}: Flyway refuses to migrate it without a baseline, and so does dbrollback`,
    hint: 'Baseline the database first (`flyway baseline -baselineVersion=<the version it already matches>`), or set baselineOnMigrate = true (and baselineVersion) in the Flyway configuration, then run again. Nothing was applied.',
  };
}

/** Versioned migrations by version, then repeatables by description: Flyway's order of what is not applied. */
function flywayOrder(a: FlywayMigration, b: FlywayMigration): number {
  if (a.kind !== b.kind) return a.kind === 'versioned' ? -1 : 1;
  if (a.kind === 'versioned') return compareVersions(a.parts, b.parts);
  return a.description < b.description ? -1 : a.description > b.description ? 1 : 0;
}

/** A `.sql.conf` that sets executeInTransaction either way (Flyway then does not check the mix of statements). */
function configuresTransaction(scriptPath: string): boolean {
  const conf = `${scriptPath}.conf`;
  return existsSync(conf) && /^\s*executeInTransaction\s*=/im.test(readFileSync(conf, 'utf8'));
}

/** A script failed: whether a failed row was recorded (it ran outside a transaction). */
class ScriptFailed extends Error {
  constructor(
    readonly script: FlywayScript,
    readonly recordedFailed: boolean,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

function unwrap(err: unknown): unknown {
  return err instanceof ScriptFailed ? err.cause : err;
}

/** One script and its history row, as Flyway's DbMigrate / undo run them. */
async function runScript(db: Db, table: HistoryTable, p: Prepared, type: NewRow['type'], installedBy: string): Promise<void> {
  const row = (executionTime: number, success: boolean) => ({ version: p.script.version, description: p.script.description, type, script: p.script.script, checksum: p.checksum, installedBy, executionTime, success });
  const started = Date.now();
  if (p.inTransaction) {
    await db.query('BEGIN');
    try {
      await db.query(p.text);
      await addRow(db, table, row(Date.now() - started, true));
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw new ScriptFailed(p.script, false, err);
    }
    return;
  }
  try {
    // A multi-statement simple query is an implicit transaction: one statement at a time.
    for (const statement of p.statements) await db.query(statement);
  } catch (err) {
    await addRow(db, table, row(Date.now() - started, false)).catch(() => undefined);
    throw new ScriptFailed(p.script, true, err);
  }
  await addRow(db, table, row(Date.now() - started, true));
}

async function currentUser(db: Db): Promise<string> {
  const { rows } = await db.query<{ u: string }>('SELECT current_user AS u');
  return rows[0]!.u;
}

function describeRow(r: HistoryRow): string {
  return `${r.version !== null ? `version ${r.version}` : 'repeatable'} (${r.description}, ${r.script}, installed_rank ${r.installedRank})`;
}

/** Flyway's validate: "Detected failed migration to version X" — nothing runs until `flyway repair`. */
function failedBlock(state: FlywayState, table: HistoryTable): { message: string; hint: string } | null {
  if (state.failed.length === 0) return null;
  return {
    message: `${table.schema}.${table.table} records a failed migration: ${state.failed.map(describeRow).join(', ')}. Flyway refuses to migrate or undo while one is recorded (validate: "Detected failed migration"), and so does dbrollback. Nothing was changed.`,
    hint: 'Remove what the failed migration left half-done (it ran outside a transaction), then run `flyway repair` (it deletes the failed row) and try again.',
  };
}

function refuseFailed(state: FlywayState, table: HistoryTable): void {
  const blocked = failedBlock(state, table);
  if (blocked) throw new DbrollbackError('MIGRATIONS_INVALID', blocked.message, { hint: blocked.hint, details: { failed: state.failed.map((r) => ({ installedRank: r.installedRank, version: r.version, script: r.script })) } });
}

/** The rest of Flyway's validate before a migrate (validateOnMigrate). */
function invalidBlock(state: FlywayState, table: HistoryTable): NonNullable<MigrationStatus['migrateBlocked']> | null {
  if (state.invalid.length === 0) return null;
  return {
    message: `Flyway's validation of ${table.schema}.${table.table} against the migrations fails:\n  - ${state.invalid.join('\n  - ')}\nFlyway refuses to migrate then, and so does dbrollback. Nothing was applied.`,
    hint: 'Put applied migrations back as they ran (a change belongs in a new version), or, if the history is what is wrong, `flyway repair`; a new version below an applied one needs a higher version, or outOfOrder = true in the Flyway configuration.',
    details: { problems: state.invalid },
  };
}


function statusFrom(
  state: FlywayState,
  table: HistoryTable,
  location: FlywayLocation,
  lockHolder: MigrationStatus['lockHolder'],
  notes: readonly string[],
  migrateBlocked: MigrationStatus['migrateBlocked'] | null,
  unrunnable: ReadonlyMap<string, { reason: string; hint: string }>,
  validates: boolean,
): MigrationStatus {
  const blocked = failedBlock(state, table);
  const { callbacks, naming } = location;
  const applied = state.applied.map((a) => toInfo(a, naming));
  // Every migration not applied, in Flyway's order; those Flyway's migrate leaves say why.
  const skipped = new Map(state.skipped.map((s) => [s.migration, s]));
  const pending = [...state.pending, ...state.skipped.map((s) => s.migration)].sort(flywayOrder).map((m) => {
    const info = pendingInfo(m, naming);
    const skip = skipped.get(m);
    if (skip) return { ...info, skippedBy: skip.reason, skippedHint: skip.hint };
    const u = unrunnable.get(m.path);
    return u && info.cannotRun === undefined ? { ...info, cannotRun: u.reason, cannotRunHint: u.hint } : info;
  });
  const warnings = [
    ...state.failed.map((r) => `${describeRow(r)} is recorded as failed (success = false): Flyway and dbrollback apply and undo nothing until it is cleaned up and \`flyway repair\` removes the row`),
    ...state.outdated.map((o) => `${o.migration.name} changed since it was applied (checksum ${o.row.checksum} recorded, ${o.now} now): it is pending again, and migrate re-applies it after the pending versioned migrations, as Flyway does`),
    ...state.invalid.map((p) => `${p}: ${validates ? "Flyway's validate refuses to migrate, and so does dbrollback" : "Flyway's validate would refuse it, but validateOnMigrate is false: migrate goes on"}`),
    ...(state.targetProblem ? [state.targetProblem] : []),
    ...(callbacks.length > 0 ? [`the directory holds Flyway callback scripts (${callbacks.join(', ')}), which dbrollback does not run: migrate and undo are refused (run them with flyway)`] : []),
    ...state.pending.filter((m) => m.language === 'java').map((m) => `${m.name} is a Java migration (class ${m.script}): dbrollback cannot run it, and migrate stops before it (apply it with flyway)`),
    ...notes,
  ];
  // Flyway's schema version (MigrationInfoService.current): the last versioned migration, the repeatables applied after it aside.
  const trailing = state.applied.slice(state.applied.findLastIndex((a) => a.row.version !== null) + 1);
  const version = applied.findLast((m) => (m.tags?.length ?? 0) > 0);
  const headTags = trailing.length > 0 && trailing.length < applied.length && version ? [version.name, ...version.tags!] : [];
  return {
    migrator: 'flyway',
    migrations: [...applied, ...pending],
    applied,
    pending,
    head: applied.at(-1)?.name ?? null,
    ...(headTags.length > 0 ? { headTags } : {}),
    missingDefinitions: state.applied.filter((a) => a.migration === null && !isBaselineType(a.row.type)).map((a) => a.name),
    lockHolder,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(blocked ? { blocked } : {}),
    ...(migrateBlocked ? { migrateBlocked } : {}),
  };
}
