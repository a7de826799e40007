/**
 * node-pg-migrate behind the adapter contract. Applying and undoing go through
 * node-pg-migrate's own `runner` (its lock, its history writes, its
 * transaction handling); dbrollback only reads the history table and the
 * migration files, read-only, to report status and to validate before acting.
 */
import type { RunnerOption } from 'node-pg-migrate/runner';
import { loadNodePgMigrate, PG_MIGRATE_LOCK_ID } from './load.js';
import { DbrollbackError } from '../../errors.js';
import { connect, type Db } from '../../db/connection.js';
import { onSession, ownConnection } from '../../db/session.js';
import { advisoryLockHolder, describeHolder } from '../../db/lock.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { setLockTimeout } from '../../db/lock-wait.js';
import { migrationNotDefined, selectForDown } from '../select.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { statusOf, type HistoryEntry } from '../status-of.js';
import { assertNoOtherHistory, DEFAULT_SCHEMA, DEFAULT_TABLE, readHistory } from './history.js';
import { generatedSql, inspectDown, type DownInspection, type LoadedMigration } from './inspect.js';

export const NODE_PG_MIGRATE_LOCK = { key: PG_MIGRATE_LOCK_ID, owner: 'node-pg-migrate' } as const;

export interface NodePgMigrateAdapterOptions extends AdapterOptions {
  /** node-pg-migrate's `checkOrder` (default true): applied history must match the file order. */
  checkOrder?: boolean;
}

interface Loaded {
  migration: LoadedMigration;
  inspection: DownInspection;
}

export function createNodePgMigrateAdapter(options: NodePgMigrateAdapterOptions): MigratorAdapter {
  return new NodePgMigrateAdapter(options);
}

class NodePgMigrateAdapter implements MigratorAdapter {
  readonly kind = 'node-pg-migrate' as const;
  readonly toolLocks = [NODE_PG_MIGRATE_LOCK];
  private readonly table: string;
  private readonly schema: string;

  constructor(private readonly options: NodePgMigrateAdapterOptions) {
    this.table = options.migrationsTable ?? DEFAULT_TABLE;
    this.schema = options.migrationsSchema ?? DEFAULT_SCHEMA;
  }

  get historyTable(): { schema: string; table: string } {
    return { schema: this.schema, table: this.table };
  }

  async status(): Promise<MigrationStatus> {
    const [{ history, lockHolder }, loaded] = await Promise.all([
      onSession(this.options.session, this.options.conn, async (db) => ({ history: await this.readHistory(db), lockHolder: await advisoryLockHolder(db, NODE_PG_MIGRATE_LOCK.key) })),
      this.loadFiles(),
    ]);
    return this.buildStatus(history, loaded, lockHolder);
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const loaded = await this.loadFiles();
    const db = await ownConnection(this.options.session, this.options.conn);
    try {
      await setLockTimeout(db, runOptions.lockTimeoutMs);
      const history = await this.readHistory(db);
      const status = this.buildStatus(history, loaded, await advisoryLockHolder(db, NODE_PG_MIGRATE_LOCK.key));
      const selection = selectForDown(status.applied, target, status.migrations);
      if (selection.length === 0) return { steps: [], singleTransaction: true, headAfter: status.head };
      // Refuse before anything runs: the whole selection must be undoable.
      assertReversible(selection);
      this.assertOrder(history, loaded);
      if (status.lockHolder) throw lockHeld(status.lockHolder);

      const byName = new Map(loaded.map((l) => [l.migration.name, l]));
      // node-pg-migrate commits and reopens its single transaction around a `noTransaction()` down.
      const singleTransaction = selection.every((m) => byName.get(m.name)?.inspection.usesTransaction !== false);
      const progress = new StepTracker(selection.map((m) => m.name), runOptions.onStep);

      let error: unknown;
      try {
        const { runner } = await loadNodePgMigrate();
        await runner(this.runnerOptions(db, { direction: 'down', count: selection.length, singleTransaction: true }, progress));
      } catch (err) {
        error = mapRunnerError(err);
      }
      progress.finish();
      const appliedAfter = (await this.readHistory(db)).map((h) => h.name);
      return downOutcome({
        kind: this.kind,
        selection,
        appliedAfter,
        singleTransaction,
        durations: progress.durations,
        ...(error !== undefined ? { error, failedName: progress.failedName() } : {}),
      });
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    const db = await connect(this.options.conn);
    try {
      await setLockTimeout(db, upOptions.lockTimeoutMs);
      const holder = await advisoryLockHolder(db, NODE_PG_MIGRATE_LOCK.key);
      if (holder) throw lockHeld(holder);
      // node-pg-migrate would create the default table beside the project's real history and apply everything again.
      if (this.options.migrationsTable === undefined) await assertNoOtherHistory(db, this.schema, this.table);
      const progress = new StepTracker([], undefined);
      try {
        const { runner } = await loadNodePgMigrate();
        const ran = await runner(
          this.runnerOptions(db, { direction: 'up', ...(count !== undefined ? { count } : {}), singleTransaction: true }, progress),
        );
        return ran.map((m) => m.name);
      } catch (err) {
        const mapped = mapRunnerError(err);
        if (mapped instanceof DbrollbackError) throw mapped;
        throw new DbrollbackError('MIGRATION_FAILED', `node-pg-migrate up failed: ${(err as Error).message}. The pending migrations ran in one transaction, which was rolled back (except any marked noTransaction).`, {
          hint: 'Fix the failing migration, run `dbrollback status` to see what is applied, then run again.',
          cause: err,
        });
      }
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const loaded = (await this.loadFiles()).find((l) => l.migration.name === name);
    if (!loaded) throw migrationNotDefined(name, this.options.migrationsDir);
    const generated = await generatedSql(loaded.migration, direction);
    if (generated === null) {
      return { name, direction, sql: '', source: 'unknown', path: loaded.migration.path, note: `${name} has no ${direction} migration (${loaded.inspection.note})` };
    }
    return { name, direction, sql: generated.sql, source: 'generated', path: loaded.migration.path, note: generated.note };
  }

  async close(): Promise<void> {
    // Every method opens and closes its own connection.
  }

  private runnerOptions(db: Db, run: { direction: 'up' | 'down'; count?: number; singleTransaction: boolean }, progress: StepTracker): RunnerOption {
    const log = this.options.log ?? (() => undefined);
    return {
      dbClient: db,
      dir: this.options.migrationsDir,
      migrationsTable: this.table,
      migrationsSchema: this.schema,
      checkOrder: this.options.checkOrder ?? true,
      advisoryLockMode: 'fail',
      logger: {
        info: (msg: string) => {
          progress.onLog(msg);
          log(msg);
        },
        warn: (msg: string) => log(msg),
        error: (msg: string) => {
          progress.onError();
          log(msg);
        },
      },
      ...run,
    };
  }

  private async readHistory(db: Db): Promise<HistoryEntry[]> {
    const history = await readHistory(db, this.schema, this.table);
    // Only the default name is second-guessed: a table named in the config is the project's word.
    if (history.length === 0 && this.options.migrationsTable === undefined) await assertNoOtherHistory(db, this.schema, this.table);
    return history;
  }

  private async loadFiles(): Promise<Loaded[]> {
    let migrations: LoadedMigration[];
    try {
      // node-pg-migrate's own loader: the same file order, names and .sql parsing as its runner.
      const { loadMigrations } = await loadNodePgMigrate();
      migrations = (await loadMigrations(
        refusingDb as unknown as Parameters<typeof loadMigrations>[0],
        { dir: this.options.migrationsDir, migrationsTable: this.table, direction: 'up' } as unknown as Parameters<typeof loadMigrations>[1],
        { info: () => undefined, warn: () => undefined, error: () => undefined },
      )) as unknown as LoadedMigration[];
    } catch (cause) {
      throw new DbrollbackError('MIGRATIONS_INVALID', `node-pg-migrate could not load the migrations in ${this.options.migrationsDir}: ${(cause as Error).message}`, {
        hint: 'Fix the migration file named above (syntax, imports), or point --migrations at the right directory.',
        cause,
      });
    }
    return Promise.all(migrations.map(async (migration) => ({ migration, inspection: await inspectDown(migration) })));
  }

  private buildStatus(history: HistoryEntry[], loaded: Loaded[], lockHolder: MigrationStatus['lockHolder']): MigrationStatus {
    const definitions = loaded.map((l) => ({
      name: l.migration.name,
      path: l.migration.path,
      down: l.inspection.down,
      // Say why where the project's convention decided it (a down that throws, an empty one).
      ...(/^its down /.test(l.inspection.note) ? { downNote: l.inspection.note } : {}),
    }));
    return statusOf(this.kind, history, definitions, lockHolder);
  }

  /** node-pg-migrate's checkOrder, checked up front so a mismatch is reported as bad input before anything runs. */
  private assertOrder(history: HistoryEntry[], loaded: Loaded[]): void {
    if (this.options.checkOrder === false) return;
    const files = loaded.map((l) => l.migration.name);
    for (let i = 0; i < Math.min(history.length, files.length); i += 1) {
      if (history[i]!.name !== files[i]) {
        throw new DbrollbackError('MIGRATIONS_INVALID', `the applied history does not match the migration files: ${files[i]} is not applied but sorts before the applied ${history[i]!.name}`, {
          hint: 'node-pg-migrate refuses to run with out-of-order history (checkOrder). Restore the missing/renamed migration file, or fix the history table deliberately.',
        });
      }
    }
  }
}

/** Handed to node-pg-migrate while it only loads migration files: any query would be a bug. */
const refusingDb = {
  query: async () => {
    throw refusedQuery();
  },
  select: async () => {
    throw refusedQuery();
  },
};

function refusedQuery(): DbrollbackError {
  return new DbrollbackError('INTERNAL', 'a migration file queried the database while node-pg-migrate was only loading it', {
    hint: 'Move database work in the migration file into its up/down functions.',
  });
}

function lockHeld(holder: NonNullable<MigrationStatus['lockHolder']>): DbrollbackError {
  return new DbrollbackError('LOCK_HELD', `node-pg-migrate is running against this database (its advisory lock is held by ${describeHolder(holder)})`, {
    hint: 'Wait for the running migration to finish (or stop it) and try again; dbrollback never acts while a migration is running.',
    details: { holder, owner: NODE_PG_MIGRATE_LOCK.owner },
  });
}

function mapRunnerError(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (/Another migration is already running/i.test(message)) {
    return new DbrollbackError('LOCK_HELD', 'node-pg-migrate is running against this database (its advisory lock is held)', {
      hint: 'Wait for the running migration to finish (or stop it) and try again.',
      cause: err,
    });
  }
  return err;
}

/**
 * node-pg-migrate logs `### MIGRATION <name> (DOWN) ###` once a migration's
 * SQL is built and about to run; those lines give progress, per-step timings
 * and which migration was running when it failed.
 */
class StepTracker {
  readonly durations = new Map<string, number>();
  private current: string | undefined;
  private startedAt = 0;
  private queryFailedInCurrent = false;

  constructor(
    private readonly order: readonly string[],
    private readonly onStep: ((name: string) => void) | undefined,
  ) {}

  onLog(msg: string): void {
    const match = /^### MIGRATION (.+) \((UP|DOWN)\) ###$/.exec(msg);
    if (!match) return;
    this.finish();
    this.current = match[1]!;
    this.startedAt = Date.now();
    this.queryFailedInCurrent = false;
    this.onStep?.(this.current);
  }

  /** node-pg-migrate logs "Error executing" when one of the current migration's queries fails. */
  onError(): void {
    if (this.current !== undefined) this.queryFailedInCurrent = true;
  }

  finish(): void {
    if (this.current !== undefined && !this.durations.has(this.current)) this.durations.set(this.current, Date.now() - this.startedAt);
  }

  /** A query failure belongs to the migration that was running; a failure while building belongs to the next one. */
  failedName(): string | undefined {
    if (this.current === undefined) return this.order[0];
    if (this.queryFailedInCurrent) return this.current;
    return this.order[this.order.indexOf(this.current) + 1] ?? this.current;
  }
}
