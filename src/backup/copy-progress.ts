/**
 * What pg_dump and pg_restore are doing, read from the server itself:
 * pg_stat_progress_copy (COPY TO while dumping, COPY FROM while restoring)
 * and pg_stat_progress_create_index (a restore's index builds), for the
 * backends a tool opened under an application name of ours. Reported as
 * table data against the tables' sizes, or rows against the backup's rows —
 * never compressed output against the database's size.
 */
import { connect, type Db } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';
import { etaSeconds, STALL_MS, type ProgressListener } from '../progress.js';

export interface WatchedTable {
  /** schema.table */
  name: string;
  /** Its share of the total: bytes with TOAST (dump) or rows (restore). */
  total: number;
}

export interface CopyWatchOptions {
  /** A connection to the database the tool works in (relation names resolve there). */
  conn: ConnInfo;
  /** The application name the tool's backends run under. */
  applicationName: string;
  phase: 'dump' | 'restore';
  unit: 'bytes' | 'rows';
  tables: WatchedTable[];
  listener: ProgressListener;
  /** Default: every 0.5 s, or as seldom as the listener shows anything (its `everyMs`): no connection for a short dump. */
  intervalMs?: number;
}

interface CopyRow {
  name: string | null;
  bytes: string;
  tuples: string;
  reltuples: number | null;
  size: string | null;
}

interface IndexRow {
  table: string | null;
  index: string | null;
  phase: string;
  blocks_done: string;
  blocks_total: string;
}

/** Poll until stopped; `stop()` reports the phase finished (everything done). Failures to poll only cost the progress display. */
export function watchCopies(options: CopyWatchOptions): { stop(): Promise<void> } {
  const started = Date.now();
  const totals = new Map(options.tables.map((t) => [t.name, t.total]));
  const total = options.tables.reduce((n, t) => n + t.total, 0);
  const finished = new Set<string>();
  let active = new Map<string, number>();
  let db: Db | undefined;
  let stopped = false;
  let polling: Promise<void> = Promise.resolve();

  // No ETA for work that is not moving (pg_dump waiting for a lock, a restore waiting on an index build): the
  // average since the start would keep promising one.
  let lastDone = -1;
  let movedAt = started;
  const report = (done: number, current: string[], end: boolean) => {
    const now = Date.now();
    if (done !== lastDone) {
      lastDone = done;
      movedAt = now;
    }
    const stalled = !end && now - movedAt >= STALL_MS;
    const elapsedMs = now - started;
    options.listener({
      kind: 'tables',
      phase: options.phase,
      unit: options.unit,
      done,
      total,
      tablesDone: end ? options.tables.length : finished.size,
      tablesTotal: options.tables.length,
      current,
      elapsedMs,
      rate: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0,
      etaSeconds: end ? 0 : stalled ? null : etaSeconds(done, total, elapsedMs),
      finished: end,
    });
  };

  const poll = async () => {
    db ??= await connect({ ...options.conn, applicationName: 'dbrollback-progress' });
    const copies = await db.query<CopyRow>(
      `SELECT CASE WHEN c.oid IS NULL THEN NULL ELSE n.nspname || '.' || c.relname END AS name,
              p.bytes_processed AS bytes, p.tuples_processed AS tuples, c.reltuples, pg_catalog.pg_table_size(c.oid) AS size
         FROM pg_catalog.pg_stat_progress_copy p
         JOIN pg_catalog.pg_stat_activity a ON a.pid = p.pid
         LEFT JOIN pg_catalog.pg_class c ON c.oid = p.relid
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE a.application_name = $1`,
      [options.applicationName],
    );
    const now = new Map<string, number>();
    for (const row of copies.rows) {
      if (row.name === null) continue;
      now.set(row.name, partDone(row, options.unit, totals.get(row.name) ?? 0));
    }
    // A table no longer being copied was copied whole.
    for (const name of active.keys()) if (!now.has(name)) finished.add(name);
    active = now;
    let done = 0;
    for (const name of finished) done += totals.get(name) ?? 0;
    for (const part of now.values()) done += part;
    report(Math.min(done, total), [...now.keys()], false);
    if (options.phase === 'restore') await reportIndexes(db, options);
  };

  const timer = setInterval(() => {
    if (stopped) return;
    polling = polling.then(poll).catch(() => undefined);
  }, options.intervalMs ?? Math.max(500, options.listener.everyMs ?? 0));
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await polling;
      await db?.end().catch(() => undefined);
      report(total, [], true);
    },
  };
}

/** How much of a table is copied: rows as counted; bytes as its share of the heap (rows seen of the estimated rows), else the copy's own byte count. */
function partDone(row: CopyRow, unit: 'bytes' | 'rows', tableTotal: number): number {
  const tuples = Number(row.tuples);
  if (unit === 'rows') return Math.min(tuples, tableTotal || tuples);
  const size = Number(row.size ?? 0);
  if (row.reltuples !== null && row.reltuples > 0) return Math.min(size, (size * tuples) / row.reltuples);
  return Math.min(size || tableTotal, Number(row.bytes));
}

async function reportIndexes(db: Db, options: CopyWatchOptions): Promise<void> {
  const builds = await db.query<IndexRow>(
    `SELECT CASE WHEN c.oid IS NULL THEN NULL ELSE n.nspname || '.' || c.relname END AS table, i.relname AS index,
            p.phase, p.blocks_done, p.blocks_total
       FROM pg_catalog.pg_stat_progress_create_index p
       JOIN pg_catalog.pg_stat_activity a ON a.pid = p.pid
       LEFT JOIN pg_catalog.pg_class c ON c.oid = p.relid
       LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_class i ON i.oid = p.index_relid
      WHERE a.application_name = $1`,
    [options.applicationName],
  );
  for (const b of builds.rows) {
    options.listener({ kind: 'index', table: b.table ?? '?', index: b.index ?? '?', phase: b.phase, blocksDone: Number(b.blocks_done), blocksTotal: Number(b.blocks_total) });
  }
}

/** The user tables of a database with their sizes with TOAST: what a dump reads. */
export async function tableSizes(db: Db): Promise<WatchedTable[]> {
  const { rows } = await db.query<{ name: string; size: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, pg_catalog.pg_table_size(c.oid) AS size
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`,
  );
  return rows.map((r) => ({ name: r.name, total: Number(r.size) }));
}
