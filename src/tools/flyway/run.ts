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
 *  - versioned migrations in version order, then repeatables; `up(1)`
 *    applies one, so `migrate` puts a restore point before each;
 *  - undo: the U script of each selected version, newest first, each in
 *    its own transaction with an UNDO_SQL row (Flyway's default, without
 *    `group`). A version without a U script cannot be undone: the way back
 *    is a restore.
 */
import { DbrollbackError } from '../../errors.js';
import { serverVersion, type Db } from '../../db/connection.js';
import { advisoryLockHolder, describeHolder } from '../../db/lock.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import { onSession, ownConnection } from '../../db/session.js';
import type { AdapterOptions, AdvisoryToolLock, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { migrationNotDefined, selectForDown } from '../select.js';
import { parseSqlFile } from '../sql/statements.js';
import { timedStep } from '../timed-step.js';
import { configuredOutsideTransaction, loadLocation, readScript, readTexts, type FlywayLocation, type FlywayScript } from './files.js';
import { addRow, createTable, DEFAULT_SCHEMA, DEFAULT_TABLE, flywayLockKey, readRows, schemaObjects, tableExists, type HistoryRow, type HistoryTable } from './history.js';
import { pendingInfo, stateOf, toInfo, type FlywayState } from './state.js';

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

  constructor(private readonly options: AdapterOptions) {
    this.historyTable = { schema: options.migrationsSchema ?? DEFAULT_SCHEMA, table: options.migrationsTable ?? DEFAULT_TABLE };
    this.toolLocks = [flywayLock(this.historyTable)];
  }

  private get lock(): AdvisoryToolLock {
    return this.toolLocks[0]!;
  }

  async status(): Promise<MigrationStatus> {
    const location = await loadLocation(this.options.migrationsDir);
    const texts = await readTexts(location);
    return onSession(this.options.session, this.options.conn, async (db) => {
      const state = stateOf(location, await readRows(db, this.historyTable), texts);
      return statusFrom(state, this.historyTable, location.callbacks, await advisoryLockHolder(db, this.lock.key));
    });
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations.map((m) => m.name));
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const location = await loadLocation(this.options.migrationsDir);
    const texts = await readTexts(location);
    const db = await ownConnection(this.options.session, this.options.conn);
    try {
      await setLockTimeout(db, runOptions.lockTimeoutMs);
      const state = stateOf(location, await readRows(db, this.historyTable), texts);
      const status = statusFrom(state, this.historyTable, location.callbacks, null);
      const selection = selectForDown(status.applied, target, status.migrations.map((m) => m.name));
      if (selection.length === 0) return { steps: [], singleTransaction: true, headAfter: status.head };
      refuseFailed(state, this.historyTable);
      // Refuse before anything runs: every selected version needs its U script, and every script must parse.
      assertReversible(selection);
      refuseCallbacks(location, 'undo');
      const major = (await serverVersion(db)).major;
      const byName = new Map(state.applied.map((a) => [a.name, a]));
      const placeholders = await builtInPlaceholders(db, this.historyTable);
      const prepared = await Promise.all(selection.map(async (m) => prepare(byName.get(m.name)!.migration!.undo!, major, placeholders)));
      const installedBy = await currentUser(db);

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
      const after = stateOf(location, await readRows(db, this.historyTable), texts);
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
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
      throw new DbrollbackError('USAGE', `--count must be a whole number of at least 1 (got ${count})`);
    }
    const location = await loadLocation(this.options.migrationsDir);
    const texts = await readTexts(location);
    const db = await ownConnection(this.options.session, this.options.conn);
    try {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      await this.lockOrFail(db);
      const done: string[] = [];
      try {
        const state = stateOf(location, await readRows(db, this.historyTable), texts);
        refuseFailed(state, this.historyTable);
        refuseInvalid(state, this.historyTable);
        const placeholders = await builtInPlaceholders(db, this.historyTable);
        const toApply = state.pending.slice(0, count ?? Number.POSITIVE_INFINITY);
        if (toApply.length === 0) return [];
        refuseCallbacks(location, 'migrate');
        const major = (await serverVersion(db)).major;
        const prepared = await Promise.all(toApply.map((m) => prepare(m, major, placeholders)));
        await this.initialize(db);
        const installedBy = await currentUser(db);
        for (const p of prepared) {
          await runScript(db, this.historyTable, p, 'SQL', installedBy);
          done.push(p.script.name);
        }
        return done;
      } catch (err) {
        if (!(err instanceof ScriptFailed)) throw err;
        throw new DbrollbackError(
          'MIGRATION_FAILED',
          `applying ${err.script.name} failed: ${(err.cause as Error).message}. ${err.recordedFailed ? `It ran outside a transaction, so statements before the failing one took effect, and ${this.tableName} now records it as failed (success = false), as Flyway records it.` : 'Its transaction was rolled back and nothing was recorded, as Flyway does on PostgreSQL.'} ` +
            (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied before it.'),
          {
            hint: err.recordedFailed
              ? `Undo by hand what ${err.script.script} left half-done, then run \`flyway repair\` (it deletes the failed row) and migrate again: Flyway and dbrollback refuse to go on while a failed migration is recorded.`
              : `Fix ${err.script.script} and run again: only pending migrations are applied.`,
            cause: err.cause,
            details: { applied: done, failed: err.script.name, recordedFailed: err.recordedFailed },
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
    const location = await loadLocation(this.options.migrationsDir);
    const m = location.migrations.find((x) => x.name === name);
    if (!m) throw migrationNotDefined(name, this.options.migrationsDir);
    if (direction === 'up') return { name, direction, sql: (await readScript(m)).text, source: 'file', path: m.path, note: null };
    if (!m.undo) return { name, direction, sql: '', source: 'unknown', path: null, note: m.downNote ?? `${name} has no undo script` };
    return { name, direction, sql: (await readScript(m.undo)).text, source: 'file', path: m.undo.path, note: null };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  private get tableName(): string {
    return `${this.historyTable.schema}.${this.historyTable.table}`;
  }

  /** Flyway's first migrate: the history table is created in an empty schema; a schema holding objects but no history needs a baseline first. */
  private async initialize(db: Db): Promise<void> {
    if (await tableExists(db, this.historyTable)) return;
    const others = await schemaObjects(db, this.historyTable);
    if (others.length > 0) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `Found non-empty schema "${this.historyTable.schema}" (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}) but no schema history table ${this.tableName}: Flyway refuses to migrate it without a baseline, and so does dbrollback`, {
        hint: 'Baseline the database first (`flyway baseline -baselineVersion=<the version it already matches>`), then run again. Nothing was applied.',
      });
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

/** The script as Flyway sends it: its placeholders replaced (the checksum is the file's own text's). */
async function prepare(script: FlywayScript, major: number, placeholders: ReadonlyMap<string, string>): Promise<Prepared> {
  const { text: raw, checksum } = await readScript(script);
  const text = replacePlaceholders(raw, script, placeholders);
  const parsed = await parseSqlFile(text, script.path, major);
  return { script, text, checksum, statements: parsed.statements, inTransaction: parsed.noTransactionReason === null && !configuredOutsideTransaction(script.path) };
}

/** Flyway's built-in placeholders (placeholderReplacement is on by default); `${flyway:filename}` is per script. */
async function builtInPlaceholders(db: Db, table: HistoryTable): Promise<Map<string, string>> {
  const { rows } = await db.query<{ u: string; d: string }>('SELECT current_user AS u, current_database() AS d');
  return new Map([
    ['flyway:defaultSchema', table.schema],
    ['flyway:user', rows[0]!.u],
    ['flyway:database', rows[0]!.d],
    ['flyway:table', table.table],
  ]);
}

/** `${name}` replaced as Flyway replaces it; one dbrollback cannot know (a placeholder your Flyway config sets) is refused, as Flyway refuses a placeholder without a value. */
function replacePlaceholders(text: string, script: FlywayScript, placeholders: ReadonlyMap<string, string>): string {
  const unknown = new Set<string>();
  const out = text.replace(/\$\{([^}\s]+)\}/g, (whole, name: string) => {
    if (name === 'flyway:filename') return script.script.split('/').at(-1)!;
    const value = placeholders.get(name);
    if (value === undefined) unknown.add(name);
    return value ?? whole;
  });
  if (unknown.size > 0) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${script.script} uses the placeholder${unknown.size === 1 ? '' : 's'} ${[...unknown].map((n) => `\${${n}}`).join(', ')}, whose value${unknown.size === 1 ? ' is' : 's are'} in your Flyway configuration, which dbrollback does not read. Nothing was run.`, {
      hint: 'Run this migration with flyway itself (dbrollback then reads the history it writes), or write the value into the script.',
    });
  }
  return out;
}

/** Flyway runs SQL callbacks around migrate and undo; dbrollback does not, so it does not pretend to be Flyway there. */
function refuseCallbacks(location: FlywayLocation, command: 'migrate' | 'undo'): void {
  if (location.callbacks.length === 0) return;
  throw new DbrollbackError('MIGRATIONS_INVALID', `${location.dir} holds Flyway callback scripts (${location.callbacks.join(', ')}): Flyway runs them around ${command}, and dbrollback does not run them. Nothing was run.`, {
    hint: `Run the ${command} with flyway itself (dbrollback reads the history it writes), or move the callbacks out of the migrations directory.`,
    details: { callbacks: location.callbacks },
  });
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
async function runScript(db: Db, table: HistoryTable, p: Prepared, type: 'SQL' | 'UNDO_SQL', installedBy: string): Promise<void> {
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

/** The rest of Flyway's validate before a migrate. */
function refuseInvalid(state: FlywayState, table: HistoryTable): void {
  if (state.invalid.length === 0) return;
  throw new DbrollbackError('MIGRATIONS_INVALID', `Flyway's validation of ${table.schema}.${table.table} against the migrations fails:\n  - ${state.invalid.join('\n  - ')}\nFlyway refuses to migrate then, and so does dbrollback. Nothing was applied.`, {
    hint: 'Put applied migrations back as they ran (a change belongs in a new version), or, if the history is what is wrong, `flyway repair`; a new version below an applied one needs a higher version (or Flyway\'s outOfOrder).',
    details: { problems: state.invalid },
  });
}

function statusFrom(state: FlywayState, table: HistoryTable, callbacks: readonly string[], lockHolder: MigrationStatus['lockHolder']): MigrationStatus {
  const blocked = failedBlock(state, table);
  const applied = state.applied.map(toInfo);
  const pending = state.pending.map(pendingInfo);
  const warnings = [
    ...state.failed.map((r) => `${describeRow(r)} is recorded as failed (success = false): Flyway and dbrollback apply and undo nothing until it is cleaned up and \`flyway repair\` removes the row`),
    ...state.outdated.map((o) => `${o.migration.name} changed since it was applied (checksum ${o.row.checksum} recorded, ${o.now} now): Flyway re-applies it on its next migrate; dbrollback keeps it listed as applied and does not re-run it`),
    ...state.invalid.map((p) => `${p}: Flyway's validate refuses to migrate, and so does dbrollback`),
    ...(callbacks.length > 0 ? [`the directory holds Flyway callback scripts (${callbacks.join(', ')}), which dbrollback does not run: migrate and undo are refused (run them with flyway)`] : []),
  ];
  return {
    migrator: 'flyway',
    migrations: [...applied, ...pending],
    applied,
    pending,
    head: applied.at(-1)?.name ?? null,
    missingDefinitions: state.applied.filter((a) => a.migration === null && a.row.type !== 'BASELINE').map((a) => a.name),
    lockHolder,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(blocked ? { blocked } : {}),
  };
}
