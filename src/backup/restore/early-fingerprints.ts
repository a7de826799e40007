/**
 * Fingerprints of a database being restored, taken table by table while
 * pg_restore is still running (as soon as progress-lines.ts says a table's
 * data is committed) and completed once it has exited. The result is the
 * list `fingerprint()` gives for the finished database: every user table,
 * the same values — hashing earlier only moves the work into time pg_restore
 * spends on other things: loading the next tables, building indexes.
 *
 * What it cannot overlap: a table's own PRIMARY KEY / UNIQUE constraint.
 * pg_restore adds those with ALTER TABLE, which holds ACCESS EXCLUSIVE for
 * the whole index build, so the table's hash waits for the build (or the
 * build for the hash). A database that is mostly one table (pgbench) gains
 * little; one whose data is spread over many tables gains the most.
 *
 * One table at a time is hashed early: the point is to use a core pg_restore
 * leaves idle, not to compete for the busy one. A large table is hashed in
 * two block ranges on two connections (one snapshot), as the final pass
 * always did, since its hash is likely to end up serialised with its own
 * constraint build. Whatever is not hashed when pg_restore exits (tables
 * still queued, names that did not resolve to exactly one table, failed
 * attempts, or everything after a `distrust`) is hashed then, in parallel.
 */
import { connect, type Db } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { compareRefs, fingerprint, listUserTables, type TableFingerprint, type TableRef } from '../../fingerprint/fingerprint.js';
import type { LoadedTable } from './progress-lines.js';

export interface EarlyFingerprintsResult {
  /** Every user table of the restored database, sorted like `fingerprint()` sorts. */
  tables: TableFingerprint[];
  /** How many of them were fingerprinted while pg_restore was running. */
  early: number;
}

/** Tables at least this large are hashed early in two block ranges (fingerprint()'s own split size). */
const DEFAULT_SPLIT_BYTES = 64 * 1024 * 1024;

export interface EarlyFingerprintsOptions {
  onDebug?: (line: string) => void;
  /** Each fingerprint taken while pg_restore runs, as it is taken. */
  onEarly?: (fingerprint: TableFingerprint) => void;
  /** Tables at least this large are hashed in two block ranges (default 64 MiB). */
  splitBytes?: number;
}

const key = (t: TableRef) => `${t.schema}\u0000${t.table}`;
const nameOf = (t: LoadedTable) => ('qualified' in t ? t.qualified : t.tag);

export class EarlyFingerprints {
  private readonly conn: ConnInfo;
  private readonly debug: (line: string) => void;
  private readonly onEarly: (fingerprint: TableFingerprint) => void;
  private readonly splitBytes: number;
  private readonly queue: LoadedTable[] = [];
  private readonly done = new Map<string, TableFingerprint>();
  private db: Promise<Db> | null = null;
  /** The restored database's tables, listed once the first table is loaded (all are created before any data). */
  private tables: TableRef[] | null = null;
  private worker: Promise<void> | null = null;
  private hashing: TableRef | null = null;
  private trusted = true;
  private stopped = false;

  constructor(conn: ConnInfo, options: EarlyFingerprintsOptions = {}) {
    this.conn = conn;
    this.debug = options.onDebug ?? (() => undefined);
    this.onEarly = options.onEarly ?? (() => undefined);
    this.splitBytes = options.splitBytes ?? DEFAULT_SPLIT_BYTES;
  }

  /** pg_restore has committed this table's data. */
  loaded(table: LoadedTable): void {
    if (!this.trusted || this.stopped) return;
    this.queue.push(table);
    this.worker ??= this.drain();
  }

  /** Early fingerprints can no longer be relied on: everything is hashed after pg_restore exits. */
  distrust(reason: string): void {
    if (!this.trusted) return;
    this.trusted = false;
    this.queue.length = 0;
    this.done.clear();
    this.debug(`restore: fingerprinting every table after pg_restore exits (${reason})`);
  }

  /** After pg_restore exited successfully (and its output was read): fingerprint what is left. */
  async finish(jobs: number): Promise<EarlyFingerprintsResult> {
    this.stopped = true;
    this.queue.length = 0;
    const inFlight = this.worker ?? Promise.resolve();
    const current = this.hashing;
    const db = await connect(this.conn);
    try {
      const all = await listUserTables(db);
      const rest = all.filter((t) => !this.done.has(key(t)) && !(current && key(current) === key(t)));
      // Nothing else runs on the fresh copy: at least two connections (block ranges, one snapshot), as before.
      const [late] = await Promise.all([fingerprint(db, rest, { jobs: Math.min(4, Math.max(2, jobs)), conn: this.conn }), inFlight]);
      const found = new Map<string, TableFingerprint>(this.trusted ? this.done : []);
      const early = all.filter((t) => found.has(key(t))).length;
      for (const t of late) found.set(key(t), t);
      // The table being hashed when pg_restore exited, if that attempt failed.
      const missed = all.filter((t) => !found.has(key(t)));
      for (const t of missed.length > 0 ? await fingerprint(db, missed) : []) found.set(key(t), t);
      const tables = all.map((t) => found.get(key(t))!).sort(compareRefs);
      return { tables, early };
    } finally {
      await db.end().catch(() => undefined);
    }
  }

  /** Stop and close the early connection (also after a failure, before the database is dropped). */
  async close(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    const db = await this.db?.catch(() => null);
    await db?.end().catch(() => undefined);
    await this.worker?.catch(() => undefined);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.trusted && !this.stopped) await this.hashOne(this.queue.shift()!);
    // Synchronously after the last check: a table queued from now on starts a new drain.
    this.worker = null;
  }

  private async hashOne(table: LoadedTable): Promise<void> {
    try {
      const db = await this.connection();
      const ref = await this.resolve(db, table);
      if (!ref) {
        this.debug(`restore: "${nameOf(table)}" is not exactly one table here; it is fingerprinted after pg_restore exits`);
        return;
      }
      if (this.done.has(key(ref)) || this.stopped || !this.trusted) return;
      this.hashing = ref;
      const started = Date.now();
      const split = (await relationBytes(db, ref)) >= this.splitBytes;
      const [result] = await fingerprint(db, [ref], split ? { jobs: 2, conn: this.conn, splitBytes: this.splitBytes } : {});
      // Kept even if pg_restore exited meanwhile: finish() waits for this one rather than hashing the table again.
      if (this.trusted && result) {
        this.done.set(key(ref), result);
        this.onEarly(result);
        this.debug(`restore: fingerprinted ${ref.schema}.${ref.table} while pg_restore runs (${result.rows} rows, ${Date.now() - started} ms)`);
      }
    } catch (err) {
      this.debug(`restore: early fingerprint of "${nameOf(table)}" failed (${err instanceof Error ? err.message : String(err)}); it is fingerprinted after pg_restore exits`);
    } finally {
      this.hashing = null;
    }
  }

  private connection(): Promise<Db> {
    this.db ??= (async () => {
      const db = await connect(this.conn);
      // One core's worth of work, no JIT compile per table: it runs beside pg_restore, not instead of it.
      await db.query('SET max_parallel_workers_per_gather = 0; SET jit = off');
      return db;
    })();
    return this.db;
  }

  private async resolve(db: Db, table: LoadedTable): Promise<TableRef | null> {
    const matches = (list: TableRef[]) =>
      list.filter((t) => ('qualified' in table ? `${t.schema}.${t.table}` === table.qualified : t.table === table.tag));
    let found = this.tables ? matches(this.tables) : [];
    if (found.length === 0) {
      this.tables = await listUserTables(db);
      found = matches(this.tables);
    }
    return found.length === 1 ? found[0]! : null;
  }
}

async function relationBytes(db: Db, t: TableRef): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(
    `SELECT pg_catalog.pg_relation_size(c.oid) AS bytes
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [t.schema, t.table],
  );
  return Number(rows[0]?.bytes ?? 0);
}
