/**
 * What the registry knows of a migration tool before it is opened: one
 * `MigrationTool` per folder under src/tools/, listed once in registry.ts.
 * Everything outside a tool's folder that depends on which tool a project
 * uses — detection, the tool's locks, its history table, opening it, how
 * classify reads its files, capturing the SQL of code migrations, notes in
 * messages — asks this entry; no other place names a tool.
 *
 * The entry is cheap to import: its functions do the work when called.
 */
import type { Db } from '../db/connection.js';
import type { SchemaDiff } from '../db/schema/diff.js';
import type { CapturedSql } from './capture/captured-sql.js';
import type { ScratchOptions } from './capture/scratch.js';
import type { AdapterOptions, MigrationInfo, MigrationSql, MigratorAdapter, ToolLock, ToolSettings } from './contract.js';

export interface MigrationTool<K extends string = string> {
  /** What --migrator (and `migrator` in the config) names it; also its key in messages and reports. */
  readonly kind: K;
  /** The tool as people write it in prose ("node-pg-migrate", "plain SQL files"). */
  readonly displayName: string;
  /** False when the tool finds its migrations itself (umzug: the config's instance knows them). */
  readonly needsMigrationsDir: boolean;
  /** Whether the tool's migrations can have downs; without them (Prisma, Drizzle) the way back is a restore. */
  readonly hasDowns: boolean;
  /** Its own advisory locks, held while it runs: dbrollback never acts while one is held. */
  readonly locks: readonly ToolLock[];
  /** Whether the project's files or config show this tool (detection without --migrator); null when they do not. */
  detect(evidence: ProjectEvidence): Promise<DetectMatch | null>;
  /** The tables its history may be in, as detection looks for them in the database. */
  historyTables(settings: HistorySettings): HistoryProbe[];
  /**
   * The head as its history table records it, read without the project's files (a nightly
   * `dbrollback backup` given only a database): exactly the name its adapter reports as the
   * head with the files, or why it cannot be named without them.
   */
  readHead(db: Db, settings: HistorySettings): Promise<HistoryHead>;
  /** Its adapter on a database. Nothing connects until a method is called. */
  open(options: AdapterOptions): MigratorAdapter;
  /** How `classify` reads its .sql migration files without running them; absent when its migrations are code. */
  readonly sqlFiles?: SqlFileReader;
  /** How the SQL of its code migrations is seen: by running them in a throwaway database. */
  readonly capture?: CodeCapture;
  /** Appended when a restore target falls back to the tool's applied-at time (e.g. a time stored without a time zone). */
  readonly appliedAtNote?: string;
  /** What the `migrationsTable` setting means for this tool (its default), for the setting's help; absent when it does not read it. */
  readonly migrationsTableHelp?: string;
  /**
   * Whether `plan`/`undo` may rehearse its round trip (history up, then the
   * downs) in a throwaway database when no schema was recorded: its adapter
   * opened on another database runs there and nowhere else, quickly.
   */
  readonly rehearsesRoundTrip?: boolean;
  /** Config-file keys only this tool reads (umzug's `umzug` export), added to the options table. */
  readonly configKeys?: readonly ToolConfigKey[];
}

/** A config-file key a tool adds: any value (a .mjs/.js config may export code), validated by the tool when used. */
export interface ToolConfigKey {
  readonly key: string;
  readonly help: string;
}

export type HistorySettings = Pick<ToolSettings, 'migrationsTable' | 'migrationsSchema'>;

/**
 * A head read from the history table alone: its name (null: nothing
 * applied), or `unnamed`: why the table cannot name it as the adapter
 * would with the project's files (it records versions or hashes, it orders
 * by the migration list, a run was interrupted). `version`: what the table
 * does record of that head, which the adapter lists among the migration's
 * `tags` (golang-migrate's and dbmate's version) — a backup keeps it so
 * that `restore --before-migration NAME --backup auto`, which has the files,
 * can tell which migration it is.
 */
/** `blocked`: the table records a state the tool refuses to go on from (golang-migrate's dirty version), `unnamed` says which. */
export type HistoryHead = { head: string | null } | { unnamed: string; version?: string; blocked?: true };

/** What detection knows of a project without a database. */
export interface ProjectEvidence {
  /** The migrations directory, when one is configured (or ./migrations exists). */
  dir: string | undefined;
  /** Its visible files' names (no dot files), sorted; empty without a directory. */
  files: readonly string[];
  /** A file of the directory as text ('' when it cannot be read). */
  read(name: string): Promise<string>;
  /** The config module's exports (js/mjs config), if any. */
  configModule: Record<string, unknown> | undefined;
}

export interface DetectMatch {
  /**
   * `config`: the project's config names the tool (an umzug instance
   * exported): it wins over what the files look like; `files`: the migration
   * files are in the tool's format.
   */
  by: 'config' | 'files';
  /** Why, for messages: "the migrations directory holds NNN_name.up.sql files". */
  reason: string;
}

/**
 * A table a tool keeps its history in. The table must have every column
 * listed to count as this tool's: several tools name their table
 * `schema_migrations`, with different columns.
 */
export interface HistoryProbe {
  schema: string;
  table: string;
  columns: readonly string[];
  /** Columns the table must not have to count as this tool's (dbmate's `schema_migrations (version)` is not golang-migrate's `(version, dirty)`). */
  without?: readonly string[];
}

/** Whether a file exists (classify answers from the folder listings it already read: listed-files.ts). */
export interface FileProbe {
  exists(file: string): boolean;
  /** A folder's names (as readdir gives them), listed once per run; empty when it cannot be read. */
  list(dir: string): readonly string[];
  /** A file's text (UTF-8), read once per run however many readers ask for it; a read error is thrown as the file system's. */
  read(file: string): string;
}

/** A .sql migration file as its tool reads it, for static classification. */
export interface SqlFileReader {
  /**
   * The file's up (and down) when it is in this tool's own format; null when it is not.
   * `files` answers whether a file beside it exists (its down, a journal).
   */
  read(file: string, text: string, files: FileProbe): SqlFileParts | null;
  /** A .sql file no tool reads as its own: read as a plain file of this tool, with no down (the plain SQL format). */
  readPlain?(file: string, text: string): SqlFileParts;
  /** Whether `name` is read as part of another file of its folder (a .down.sql beside its .up.sql), and so not classified on its own. */
  isCompanion?(name: string, names: ReadonlySet<string>): boolean;
  /** A migration file with another extension than .sql this tool reads as SQL (Flyway's configured sqlMigrationSuffixes: V1__x.pgsql). */
  readsAsSql?(name: string): boolean;
  /** The tool's apply order of a folder's files, when it is not their names' order. */
  compareFiles?(a: string, b: string): number;
  /** Whether a folder's file names are this tool's (its order then applies without --migrator, e.g. Flyway's V1 … V10, R__ last). */
  claimsFolder?(names: ReadonlySet<string>): boolean;
  /**
   * The migration files of a folder laid out as this tool lays it out when
   * they are not the folder's own files (Prisma: each sub-folder's
   * migration.sql), in the tool's order; null when the folder is not one.
   */
  migrationFiles?(dir: string): string[] | null;
}

export interface SqlFileParts {
  up: SqlPart;
  /**
   * The down, read only once the up is classified (so a syntax error in the
   * up is reported first); null when the file says nothing about a down.
   */
  down: (() => SqlDown) | null;
}

export interface SqlPart {
  text: string;
  /** The file the text is in, for messages. */
  path: string;
  /** Line of the text's first character in that file. */
  firstLine: number;
  /**
   * The tool runs it inside a transaction (affects CONCURRENTLY and friends); default false.
   * `several-statements`: the tool sends the text as one query (Prisma, golang-migrate), which PostgreSQL runs as
   * one implicit transaction block when it holds more than one statement, and a lone statement outside any.
   */
  inTransaction?: boolean | 'several-statements';
}

/** `empty`: a down file (or section) with nothing but comments — undoing it would change nothing. */
export type SqlDown = { kind: 'missing' | 'irreversible' | 'empty'; path: string | null } | ({ kind: 'yes' } & SqlPart);

/** How a code tool's migrations are seen: run in a throwaway database, every statement recorded. */
export interface CodeCapture {
  /**
   * Files other than code this tool's capture reads as migrations, by what
   * they hold (Liquibase's XML/YAML/JSON changelogs): classify captures them
   * as it captures code. Absent: code files only.
   */
  claims?(file: string): Promise<boolean>;
  /** False when the tool's migrations are not code at all, only the files it claims (Liquibase); default true. */
  readonly readsCode?: boolean;
  /**
   * classify: the SQL each code migration file runs, one result per file in
   * `files` order. A file the tool does not run as a migration is refused
   * (NOT_A_MIGRATION).
   */
  files(files: readonly string[], context: CaptureContext): Promise<CapturedFile[]>;
  /**
   * plan: when the adapter cannot tell a migration's SQL without running it
   * (`sqlOf` gives `unknown`), its up and down as an undo would run them:
   * applied up to `head` in a throwaway database, then `count` reverted.
   */
  downs?(settings: CaptureSettings, from: { head: string; count: number }, migrations: readonly MigrationInfo[]): Promise<CapturedDowns>;
}

/** The settings a capture reads: the tool's, and the config file (part of the capture cache's keys). */
export type CaptureSettings = ToolSettings & { configFile?: string | undefined };

/** What `downs` captured, and how much of it came from the capture cache. */
export interface CapturedDowns {
  runs: CapturedRun[];
  /** Migrations run in a throwaway database (0: all from the cache). */
  replayed: number;
  /** Captures served from the cache. */
  cached: number;
  /** The cache's directory; null when caching was off or not possible. */
  cacheDir: string | null;
}

export interface CaptureContext {
  /** Where the migrations run (a database created on a server the user named, or a throwaway local cluster). */
  scratch: ScratchOptions;
  configModule: Record<string, unknown> | undefined;
  /** The config file (its content and local imports are part of the capture cache's keys). */
  configFile?: string;
  /** The capture cache directory (default from the environment); null: no cache. */
  cacheDir?: string | null;
  migrationsTable: string | undefined;
  migrationsSchema: string | undefined;
  /** Progress lines (scratch database, capture). */
  onProgress: (line: string) => void;
}

export interface CapturedFile {
  path: string;
  up: CapturedSql;
  /**
   * The up as the units the tool runs one by one (a Liquibase changelog's
   * changesets), whose texts joined by newlines are `up.sql`: each is
   * classified as a migration of its own (a table an earlier unit created
   * is not new to a later one). Absent: `up` is one unit.
   */
  upUnits?: CapturedSql[];
  /** Its down as the tool sees it (with its SQL when that was captured, and why when it is not `yes`); null when the tool does not say. */
  down: {
    kind: 'yes' | 'irreversible' | 'empty' | 'missing';
    sql: CapturedSql | null;
    note?: string;
    /** What running it in the scratch database left different from the schema before its up (the sentences); absent when nothing, or when it was not run. */
    roundTrip?: string[];
  } | null;
  /** What applying it changed in the scratch catalog; null when it was not applied there. */
  diff: SchemaDiff | null;
  /** Why it could not be applied in the scratch database. */
  applyError: string | null;
}

export interface CapturedRun {
  name: string;
  up: MigrationSql;
  down: MigrationSql;
  /** What the up created (`table:schema.name`, ... keys of its catalog diff). */
  created: string[];
  /** What applying the up changed in the scratch catalog (the catalog decides what the statements cannot). */
  diff: SchemaDiff;
}
