/**
 * A run's resources, opened once and passed down: the session (one shared
 * connection for the lock and the reads), the storage, the migration tool's
 * adapter and the migration head read through it. A command opens one
 * RunContext; library code below takes the narrow handles it needs
 * (`BackupSource`, `VerifyTarget`, `RestoreSource`), which this class
 * satisfies, and never reopens what the run already holds.
 *
 * Nothing connects or opens until first used, so a command that needs no
 * database (classify, history) never touches one.
 */
import type { Archiver } from '../backup/archivers/contract.js';
import { openArchiver } from '../backup/archivers/registry.js';
import { loadManifest } from '../backup/catalog.js';
import type { ResolvedConfig } from './config.js';
import type { Db } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';
import { onSession, SharedSession } from '../db/session.js';
import { isDbrollbackError } from '../errors.js';
import type { Storage } from '../storage/contract.js';
import { openStorage, type OpenStorageOptions } from '../storage/open-storage.js';
import { baselineFromManifest, type Baseline } from '../verify/baseline.js';
import type { HeadLookup, HeadSchemaLookup, ToolVerifyLookup } from '../verify/check.js';
import { findSchemaRecord, type SchemaRecordSearch } from '../backup/schema-records.js';
import { systemIdentifier } from '../db/system-identifier.js';
import { parsedSqlOf } from '../tools/parsed-sql.js';
import type { MigrationInfo, MigratorAdapter } from '../tools/contract.js';
import { openAdapter, TOOLS } from '../tools/registry.js';
import { headFromHistoryTables } from '../tools/head-from-history.js';

export interface RunContextOptions {
  /** Lines the migration tool logs (node-pg-migrate's logger), never the console. */
  log?: (line: string) => void;
  /** How the storage is opened (S3 part size, environment). */
  storageOptions?: Omit<OpenStorageOptions, 'cwd'>;
  /** Aborted (reason 'SIGINT' | 'SIGTERM') when the run must stop at its next safe point. */
  signal?: AbortSignal;
}

export class RunContext {
  readonly conn: ConnInfo;
  readonly cwd: string;
  readonly checksDir: string | undefined;
  readonly migrationsDir: string | undefined;
  /** One connection for the lock and every read-only step; opened on first use. */
  readonly session: SharedSession;
  /** Aborted when the run must stop at its next safe point (SIGINT/SIGTERM). */
  readonly signal: AbortSignal | undefined;
  private storageHandle: Storage | undefined;
  private archiverHandle: Archiver | undefined;
  private adapterHandle: Promise<MigratorAdapter> | undefined;
  private head: Promise<HeadLookup> | undefined;

  constructor(
    readonly config: ResolvedConfig,
    private readonly options: RunContextOptions = {},
  ) {
    this.conn = config.conn;
    this.cwd = config.cwd;
    this.checksDir = config.checksDir;
    this.migrationsDir = config.migrationsDir;
    this.session = new SharedSession(config.conn);
    this.signal = options.signal;
  }

  /** Whether a storage is configured (some commands only write to it when there is one). */
  get hasStorage(): boolean {
    return this.config.storage !== undefined && this.config.storage.trim() !== '';
  }

  /** The configured storage, opened on first use (a bad or missing URL: exit 2, nothing touched). */
  get storage(): Storage {
    this.storageHandle ??= openStorage(this.config.storage, { ...this.options.storageOptions, cwd: this.cwd, ...(this.config.encryption ? { encryption: this.config.encryption } : {}) });
    return this.storageHandle;
  }

  /** Whose archive point-in-time restore and the archive checks read (the config's `archiver`): opened on first use. */
  get archiver(): Archiver {
    // Only dbrollback's own archive lives in the storage: another tool's is reachable without one.
    this.archiverHandle ??= this.config.archiver.kind === 'dbrollback' ? openArchiver(this.config.archiver, this.storage) : openArchiver(this.config.archiver, undefined);
    return this.archiverHandle;
  }

  /** The project's migration tool, opened once and sharing the run's session for its reads. */
  adapter(): Promise<MigratorAdapter> {
    this.adapterHandle ??= openAdapter(this.config, {
      session: this.session,
      ...(this.options.log ? { log: (line: string) => this.options.log!(`[${this.config.migrator ?? 'migrator'}] ${line}`) } : {}),
    });
    return this.adapterHandle;
  }

  /**
   * The head as the migration tool records it. A project with no migrations
   * configured has none (configured: false); one configured but broken is an
   * error, never a silent "no head". `on`: a connection to the run's
   * database (it may still be opening) the history tables are read through
   * when no project is configured — a backup's snapshot connection: the head
   * is then read in the dump's own snapshot, and no connection is opened for it.
   */
  headLookup(on?: Promise<Db>): Promise<HeadLookup> {
    this.head ??= this.readHead(on);
    return this.head;
  }

  /** The migration tool's own verify scripts on the configured database (the verify gate's tool-verify check). */
  toolVerify(): Promise<ToolVerifyLookup> {
    return this.verifyThrough(() => this.adapter(), false);
  }

  /** The same on another database of the same project (a restored copy): an adapter of its own, closed after. */
  toolVerifyOn(conn: ConnInfo): Promise<ToolVerifyLookup> {
    return this.verifyThrough(() => openAdapter({ ...this.config, conn }), true);
  }

  private async verifyThrough(open: () => Promise<MigratorAdapter>, close: boolean): Promise<ToolVerifyLookup> {
    // A config module may name the tool itself (it exports `umzug`): only without one is "nothing configured" known up front.
    const configured = this.config.migrationsDir !== undefined || this.config.migrator !== undefined;
    const nothing = { available: false as const, reason: 'no migrations are configured' };
    if (!configured && this.config.configModule === undefined) return nothing;
    let adapter: MigratorAdapter;
    try {
      adapter = await open();
    } catch (err) {
      if (!configured && isDbrollbackError(err) && (err.code === 'MIGRATIONS_INVALID' || err.code === 'MIGRATOR_UNKNOWN')) {
        // As readHead: a later adapter() call may be asked again.
        if (!close) this.adapterHandle = undefined;
        return nothing;
      }
      // schema-head reports a project that cannot be opened; this check has nothing to run then.
      return { available: false, reason: `the migration tool could not be opened: ${(err as Error).message}` };
    }
    try {
      if (!adapter.verifyApplied) return { available: false, reason: `${adapter.kind} keeps no verify scripts of its own` };
      return { available: true, tool: adapter.kind, ...(await adapter.verifyApplied()) };
    } finally {
      if (close) await adapter.close();
    }
  }

  /**
   * The schema recorded at `head` (the verify gate's schema-round-trip outside an undo): the newest record
   * migrate took of this database just before the migration that follows the head, taken at that head —
   * one listing and (as a rule) one read of the storage. Never another database's: the record must name
   * this database, and its cluster where both sides could read that. Why there is none, otherwise.
   */
  async headSchemaRecord(head: string | null): Promise<HeadSchemaLookup> {
    if (!this.hasStorage) return { found: false, reason: 'no storage is configured (pass --storage URL or set DBROLLBACK_STORAGE to where migrate kept its schema records)' };
    let adapter: MigratorAdapter;
    try {
      adapter = await this.adapter();
    } catch (err) {
      return { found: false, reason: `the migration tool could not be opened: ${(err as Error).message}` };
    }
    const status = await adapter.status();
    const next = status.pending[0];
    if (next === undefined) {
      return { found: false, reason: `no migration follows head ${head ?? '(none applied)'}: migrate records the schema before each migration it applies, so none is taken at the newest head` };
    }
    // Migrations that stay applied through any undo (Flyway repeatables, re-applied when their script changes) may
    // have been applied after the record: the record was then taken at the head before them. What they made since
    // is expected as it is (ups().staying).
    const heads: Array<string | null> = [head];
    for (let i = status.applied.length - 1; i >= 0 && status.applied[i]!.staysApplied !== undefined; i--) heads.push(status.applied[i - 1]?.name ?? null);
    const cluster = await systemIdentifier(await this.session.db());
    let search: SchemaRecordSearch;
    try {
      search = await findSchemaRecord(this.storage, next.name, this.conn.database, [...new Set(heads)], cluster);
    } catch (err) {
      // A storage that cannot be opened or read (unreachable, the wrong key) leaves this check without a record, not the gate.
      return { found: false, reason: `the schema records in the storage could not be read: ${(err as Error).message}` };
    }
    const record = search.record;
    if (record === null) {
      const why = search.passedOver.otherHead !== undefined
        ? `the newest was taken at head ${search.passedOver.otherHead ?? '(none applied)'}, not ${head ?? '(none applied)'}`
        : search.passedOver.otherCluster > 0
          ? `the records of a database of that name there were taken on another cluster (another system identifier), and are never used for this one`
          : `${search.passedOver.otherDatabase > 0 ? 'records of other databases are never used for this one; ' : ''}${next.name} was applied by another tool, or never`;
      return { found: false, reason: `no schema of database "${this.conn.database}" was recorded before ${next.name} at head ${head ?? '(none applied)'} in ${this.storage.url} (${why}); migrations applied with dbrollback migrate are recorded` };
    }
    return {
      found: true,
      head: record.head,
      before: record.migration,
      time: record.time,
      ...(record.undo ? { undo: { runId: record.runId, accepted: record.undo.accepted } } : {}),
      schema: record.schema,
      exclude: record.exclude,
      matchedBy: cluster && record.systemIdentifier ? 'cluster' : 'name',
      ups: async () => {
        const read = (ms: readonly MigrationInfo[]) => Promise.all(ms.map(async (m) => ({ name: m.name, statements: (await parsedSqlOf(adapter, m.name, 'up')) ?? [] })));
        const [later, staying] = await Promise.all([read(status.pending), read(status.applied.filter((m) => m.staysApplied !== undefined))]);
        return { later, staying };
      },
    };
  }

  /** Forget the head read so far (after a run changed it). */
  headChanged(): void {
    this.head = undefined;
  }

  /** A backup's manifest as a verify baseline (`--baseline ID|latest`; latest: the configured database's newest). */
  async baselineFromBackup(idOrLatest: string): Promise<Baseline> {
    return baselineFromManifest(await loadManifest(this.storage, idOrLatest, { database: this.conn.database }));
  }

  /** Close everything that was opened, in any state. */
  async close(): Promise<void> {
    const adapter = this.adapterHandle;
    const storage = this.storageHandle;
    this.adapterHandle = undefined;
    this.storageHandle = undefined;
    await Promise.all([
      this.session.end(),
      adapter?.then((a) => a.close(), () => undefined),
      storage?.close(),
    ]);
  }

  private async readHead(on: Promise<Db> | undefined): Promise<HeadLookup> {
    const configured = this.config.migrationsDir !== undefined || this.config.migrator !== undefined;
    let adapter: MigratorAdapter;
    try {
      adapter = await this.adapter();
    } catch (err) {
      if (!configured && isDbrollbackError(err) && (err.code === 'MIGRATIONS_INVALID' || err.code === 'MIGRATOR_UNKNOWN')) {
        // Not an error of the run: a later adapter() call may be asked again.
        this.adapterHandle = undefined;
        // A backup run with only a database (a nightly job) still records the head: the tool's history table says it.
        // On the connection given, else on one of its own, closed at once: the run's shared session must not stay open on a database a restore is about to swap.
        const settings = { migrationsTable: this.config.migrationsTable, migrationsSchema: this.config.migrationsSchema };
        // A connection that could not be opened is the caller's failure to report: the head is then read as without one.
        const given = await on?.catch(() => undefined);
        if (given) return headFromHistoryTables(given, TOOLS, settings);
        return onSession(undefined, this.conn, (db) => headFromHistoryTables(db, TOOLS, settings));
      }
      throw err;
    }
    const status = await adapter.status();
    const tags = [...(status.applied.at(-1)?.tags ?? []), ...(status.headTags ?? [])];
    return { configured: true, head: status.head, migrator: adapter.kind, ...(tags.length > 0 ? { headTags: tags } : {}), ...(status.blocked ? { blocked: status.blocked.message } : {}) };
  }
}

/** Open a run on a resolved config (nothing connects until used). */
export function openRun(config: ResolvedConfig, options: RunContextOptions = {}): RunContext {
  return new RunContext(config, options);
}
