/**
 * The one contract every migration tool's adapter implements: what an opened
 * tool does for dbrollback (status, select, down, up, the SQL of a migration).
 * Applying and undoing always go through the tool, or write its history
 * table exactly as the tool does, so the tool's own bookkeeping stays true.
 * What the registry knows of a tool before opening it is `MigrationTool`
 * (tool.ts).
 */
import type { ConnInfo } from '../db/conninfo.js';
import type { Db } from '../db/connection.js';
import type { LockHolder } from '../db/lock.js';
import type { ToolVerifyOutcome } from '../verify/check.js';
import type { SharedSession } from '../db/session.js';

/**
 * Whether a migration can be undone:
 *  - `yes`: it has a down of its own;
 *  - `inferred`: no down written, but the tool derives one safely (node-pg-migrate's reversible operations);
 *  - `irreversible`: declared irreversible — by the tool's marker (node-pg-migrate `down: false`,
 *    umzug `down === false`, an SQL down that raises) or by convention (a code down whose only
 *    statement is a `throw`);
 *  - `empty`: a down is there but does nothing (an empty function, sequelize-cli's template of
 *    comments, a comment-only .down.sql): undo would only remove the history record;
 *  - `missing`: no down at all — undo must refuse it.
 * `MigrationInfo.downNote` says which case it is, for messages.
 */
export type DownKind = 'yes' | 'inferred' | 'irreversible' | 'empty' | 'missing';

/** Downs undo can run: anything else is refused before touching the database. */
export function hasUsableDown(down: DownKind): boolean {
  return down === 'yes' || down === 'inferred';
}

export interface MigrationInfo {
  /** The name the tool records in its history (e.g. `1700000000000_create-tables`, `002_add_email`). */
  name: string;
  /** Source file, when the migration is a file. */
  path: string | null;
  applied: boolean;
  /** When the tool recorded it (null if pending, or if the tool does not record times). */
  appliedAt: Date | null;
  down: DownKind;
  /**
   * Other names the tool gives this migration that a `--to` target may use
   * (Liquibase's TAG, Sqitch's `@tag`): undoing to one keeps this migration
   * applied, as the tool's own rollback to that tag does.
   */
  tags?: string[];
  /** The tool recorded a run of it that failed or was interrupted (golang-migrate's dirty version): whether it took effect is not known. */
  dirty?: true;
  /** Why `down` is not `yes`, in words (e.g. `its down throws ("enum values cannot be removed")`); absent when there is nothing to say. */
  downNote?: string;
  /**
   * Set on a migration the tool itself never undoes, because its way of
   * working re-applies it instead (a Flyway repeatable: `flyway undo`
   * skips it, `flyway migrate` runs it again when its script changes): why,
   * in a few words. Undo leaves it applied and does not count it: `--count N`
   * is the last N other applied migrations, `--to NAME` undoes the others
   * applied after NAME (select.ts). Absent: an undoable unit like any other.
   */
  staysApplied?: string;
  /**
   * Why dbrollback cannot apply this pending migration (a Flyway Java
   * migration): migrate refuses a selection that reaches it, before anything
   * runs; absent when it can.
   */
  cannotRun?: string;
  /** What to do about `cannotRun`, when the default (apply it with the tool that can) does not fit. */
  cannotRunHint?: string;
  /**
   * Why the tool's own migrate leaves this pending migration (Flyway's
   * configured target is below it): migrate's default selection stops
   * before it, and a --to or --count that reaches it is refused; absent when
   * the tool would apply it.
   */
  skippedBy?: string;
  /** What to do about `skippedBy` (the setting to change). */
  skippedHint?: string;
}

export interface MigrationStatus {
  /** The tool's kind (its registry key, what --migrator names). */
  migrator: string;
  /** Every migration the tool knows, in the order the tool applies them. */
  migrations: MigrationInfo[];
  /** Applied ones, oldest first (the tool's history order). */
  applied: MigrationInfo[];
  pending: MigrationInfo[];
  /** Name of the last applied migration, or null when none is applied. */
  head: string | null;
  /**
   * Other names of the database's version when the tool's own idea of it is
   * not the last applied migration: Flyway's schema version is its highest
   * applied version, the repeatables it re-applies after it aside — so
   * `verify --expect-head 3` passes after a migrate that ran V3 and then
   * R__views. Absent otherwise (the head's own tags say it).
   */
  headTags?: string[];
  /** Names recorded as applied whose definitions no longer exist on disk. */
  missingDefinitions: string[];
  /** Who holds the migration tool's own lock right now (a migration is running), if anyone. */
  lockHolder: LockHolder | null;
  /** Why applied-at times are absent (the tool's history keeps none), and what that means; absent when they are known. */
  appliedAtNote?: string;
  /** What the tool's history says that the lists above cannot (a failed migration recorded, an entry the tool would never apply). */
  warnings?: string[];
  /**
   * What the tool itself refuses to go past until the team acts (a failed
   * migration recorded: Flyway's until `flyway repair`; golang-migrate's
   * dirty version, until `migrate force`): migrate, plan and undo stop on it
   * before anything is touched (blocked.ts), with `code` (default
   * MIGRATIONS_INVALID; MIGRATION_DIRTY for a dirty version — both exit 2);
   * absent when nothing blocks.
   */
  blocked?: { message: string; hint: string; code?: 'MIGRATIONS_INVALID' | 'MIGRATION_DIRTY'; details?: Record<string, unknown> };
  /**
   * What the tool refuses to migrate past, though plan and undo may go on
   * (Flyway's validate: a changed applied script, a version below the applied
   * head without outOfOrder): migrate stops on it before anything is touched
   * (exit 2); absent when nothing does.
   */
  migrateBlocked?: { message: string; hint: string; details?: Record<string, unknown> };
}

/** Which applied migrations to undo: the last N, or every one applied after NAME (NAME stays applied). */
export type DownTarget = { count: number } | { to: string };

export interface DownStepResult {
  name: string;
  status: 'success' | 'failed' | 'not-run';
  durationMs: number;
  error?: string;
}

export interface DownResult {
  /** Per migration, newest first, in the order they were (or would have been) undone. */
  steps: DownStepResult[];
  /** Whether all downs ran in a single transaction (then a failure undid none of them). */
  singleTransaction: boolean;
  /** The head after the run, read back from the tool's history. */
  headAfter: string | null;
}

export interface RunDownOptions {
  /** Called before each migration is undone (progress lines). */
  onStep?: (name: string) => void;
  /** A stop asked for: the downs still run to the end of their transaction (never cut in half). */
  signal?: AbortSignal;
  /** lock_timeout (ms) for the run's statements, so a down never queues the application behind it. */
  lockTimeoutMs?: number;
}

export interface RunUpOptions {
  /** lock_timeout (ms) for the run's statements. */
  lockTimeoutMs?: number;
}

/** The SQL a migration runs in one direction, as far as it can be known without running it. */
export interface MigrationSql {
  name: string;
  direction: 'up' | 'down';
  /** The statements (empty when unknown). */
  sql: string;
  /**
   * `file`: read from the migration file; `generated`: produced by the tool's own builder
   * without a database (node-pg-migrate); `captured`: recorded while it ran in a throwaway
   * database (umzug); `unknown`: the migration is code that must run to be seen.
   */
  source: 'file' | 'generated' | 'captured' | 'unknown';
  path: string | null;
  /** Why the SQL is unknown or partial. */
  note: string | null;
}

/** A pending migration's up as its tool generates it (see MigratorAdapter.generatedUps). */
export interface GeneratedUp {
  sql: string;
  inTransaction: boolean;
  /** Where the tool defines it (Liquibase: the changeset's identity). */
  changeSet: { id: string; author: string; filename: string };
  /** Who generated the SQL, for messages ("Liquibase"). */
  generatedBy: string;
  /**
   * Where `sql` is written as the tool runs it (a Liquibase formatted SQL changeset: its file, from this line),
   * so its findings name that line and its `-- dbrollback-ignore` comments count; absent when the tool generates it.
   */
  written?: { path: string; line: number };
}

export interface MigratorAdapter {
  /** The tool's kind (its registry key, what --migrator names). */
  readonly kind: string;
  /**
   * The table the tool keeps its history in (undo changes its rows; verify must expect that),
   * or null when the tool keeps history elsewhere or it is not known.
   */
  readonly historyTable: { schema: string; table: string } | null;
  /**
   * What else the tool writes for itself while it applies or undoes (its lock
   * table, its tags and event log): undo expects `tables` to change, and a
   * drill leaves them — and a schema the tool owns whole — out of its schema
   * and data comparisons, as it does the history table.
   */
  readonly bookkeeping?: { tables: ReadonlyArray<{ schema: string; table: string }>; schema?: string };
  /** The tool's own advisory lock, which must not be held while dbrollback acts. */
  readonly toolLocks: readonly ToolLock[];
  status(): Promise<MigrationStatus>;
  /**
   * The applied migrations a target selects, newest first, validated:
   * count in 1..applied, NAME must be applied. Throws MIGRATION_NOT_FOUND / USAGE.
   */
  select(target: DownTarget): Promise<MigrationInfo[]>;
  /** Undo through the tool; refuses (IRREVERSIBLE) before touching anything when any selected migration has no usable down. */
  down(target: DownTarget, options?: RunDownOptions): Promise<DownResult>;
  /** Apply pending migrations (all, or the next `count`) through the tool. */
  up(count?: number, options?: RunUpOptions): Promise<string[]>;
  /** What SQL a migration would run up or down (for plans, dry runs and classification). */
  sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql>;
  /**
   * The SQL the tool itself generates for pending migrations that have no
   * file of their own (Liquibase's XML/YAML/JSON changesets: its
   * `update-sql` in a throwaway database, through the capture cache), so
   * migrate's --fail-on classifies them as classify does; absent when every
   * migration is a file. By name; a name it cannot give is left out. Throws
   * a clear error when the SQL cannot be had at all (no Liquibase, no Java).
   */
  generatedUps?(names: readonly string[]): Promise<Map<string, GeneratedUp>>;
  /**
   * The tool's own verification of every applied migration (a tool whose
   * migrations come with verify scripts); absent when the tool has none.
   * Joins the verify gate as its `tool-verify` check.
   */
  verifyApplied?(): Promise<ToolVerifyOutcome>;
  /**
   * Run a seed file written for the tool's own seed runner (Knex's
   * `exports.seed = async (knex) => …`, what `knex seed:run` runs) on the
   * adapter's database, in one transaction: all of it or nothing. Absent when
   * the tool has no seeds of its own (a drill's --seed is then SQL).
   */
  runSeed?(file: string): Promise<void>;
  /** Release anything held (connections, loaded modules). */
  close(): Promise<void>;
}

/**
 * A lock a tool holds while it runs (what dbrollback must see free before
 * acting): an advisory lock key, or a lock the tool keeps in a table of its
 * own (Liquibase's DATABASECHANGELOGLOCK), which `held` reads.
 */
export type ToolLock = AdvisoryToolLock | TableToolLock;

export interface AdvisoryToolLock {
  key: bigint;
  /** Who takes it, for messages ("node-pg-migrate"). */
  owner: string;
}

export interface TableToolLock {
  owner: string;
  /** Who holds it, in words ("locked by host (10.0.0.5) since …"), or null when it is free. */
  held(db: Db): Promise<string | null>;
}

export interface AdapterOptions {
  conn: ConnInfo;
  /** '' when none is configured (a tool whose `needsMigrationsDir` is false finds its own migrations). */
  migrationsDir: string;
  /** The loaded config module (a tool whose project is code reads its export there, e.g. umzug's instance). */
  configModule?: Record<string, unknown>;
  /** The history table's name and schema, for tools that let the project choose them (config `migrationsTable` / `migrationsSchema`). */
  migrationsTable?: string;
  migrationsSchema?: string;
  /**
   * A connection shared with the caller for read-only queries (history, lock
   * holder). A down runs on a connection of its own, as the tool would: the
   * session's spare when the caller prepared one.
   */
  session?: SharedSession;
  /** Log lines from the migration tool (e.g. node-pg-migrate's logger), never the console. */
  log?: (line: string) => void;
}

/**
 * The settings a migration tool is opened with: the slice of the run's
 * resolved config (run/config.ts) the tools read, named here so the family
 * does not import the layer above it.
 */
export interface ToolSettings {
  conn: ConnInfo;
  migrationsDir: string | undefined;
  /** --migrator / `migrator`: a registered tool's kind, or undefined to detect it. */
  migrator: string | undefined;
  migrationsTable: string | undefined;
  migrationsSchema: string | undefined;
  /** The loaded config module's exports (js/mjs), for tools whose project is code (umzug). */
  configModule: Record<string, unknown> | undefined;
}
