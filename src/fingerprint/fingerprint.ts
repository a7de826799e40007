/**
 * Order-independent content fingerprints per table, computed in the server:
 * one sequential scan per table, no sort. Each row is hashed to 64 bits and
 * the hashes are summed exactly (numeric), so row order (and physical layout
 * after a restore) does not matter while any changed, missing or extra row
 * does. A sum of per-row hashes is also what makes parallel hashing exact:
 * the sums of disjoint block ranges add up to the whole table's sum.
 *
 * How a row is hashed depends on its column types, decided from the catalog
 * alone (so backup and verify always agree):
 *  - `b`: every column is of a type whose equal values print identically
 *    (integers, text under a deterministic collation, timestamps, uuid, ...):
 *    the types' own extended hash functions (`hash_record_extended`, PG 14+,
 *    the portable ones hash partitioning relies on) — no text conversion,
 *    about a third cheaper, and immune to DateStyle/TimeZone. The record hash
 *    is linear in its column hashes, so it is re-hashed per row: otherwise
 *    swapping a value between two rows would leave the sum unchanged.
 *  - `t`: anything else (numeric, float, interval, json, arrays, enums, ...):
 *    the row's text form under pinned settings, hashed with hashtextextended.
 */
import type { Db } from '../db/connection.js';
import { queryError, quoteIdent, quoteQualified, serverVersion } from '../db/connection.js';
import { freshConnections, type ConnectionSource } from '../db/session.js';
import type { ConnInfo } from '../db/conninfo.js';
import { DbrollbackError } from '../errors.js';
import { compareStrings } from '../compare-strings.js';

export interface TableRef {
  schema: string;
  table: string;
}

export interface TableFingerprint extends TableRef {
  rows: number;
  /**
   * `<method>:<sum>`: the exact sum of the rows' 64-bit hashes as decimal
   * text, `method` being `b` (type hash functions) or `t` (text form).
   */
  hash: string;
}

/** Settings that change how values print as text (held for the `t` method). */
export const PINNED_SETTINGS: Record<string, string> = {
  DateStyle: 'ISO, YMD',
  TimeZone: 'UTC',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  search_path: 'pg_catalog',
  lc_monetary: 'C',
};

/** Pin the text settings for the rest of the session (worker connections we own). */
export async function pinTextSettings(db: Db): Promise<void> {
  await setSettings(db, PINNED_SETTINGS);
}

async function setSettings(db: Db, settings: Record<string, string>): Promise<void> {
  const names = Object.keys(settings);
  await db.query('SELECT pg_catalog.set_config(n, v, false) FROM unnest($1::text[], $2::text[]) AS s(n, v)', [names, names.map((n) => settings[n]!)]);
}

/**
 * Pin the text settings on a connection we do not own and hand back a
 * function restoring the caller's values: the backup fingerprints through
 * its snapshot connection, whose session must come back as it was.
 */
async function pinTemporarily(db: Db): Promise<() => Promise<void>> {
  const names = Object.keys(PINNED_SETTINGS);
  const { rows } = await db.query<{ n: string; v: string }>(
    'SELECT n, pg_catalog.current_setting(n) AS v FROM unnest($1::text[]) AS s(n)',
    [names],
  );
  await pinTextSettings(db);
  const saved = Object.fromEntries(rows.map((r) => [r.n, r.v]));
  return async () => {
    // In an aborted transaction this fails, and the rollback restores the values anyway.
    await setSettings(db, saved).catch(() => undefined);
  };
}

/** Every ordinary and partitioned-leaf user table (not system, not extension-owned). */
export async function listUserTables(db: Db): Promise<TableRef[]> {
  const { rows } = await db.query<TableRef>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  return rows;
}

export interface FingerprintOptions {
  /**
   * Connections hashing at once (default 1: everything through `db`). With
   * more, tables are spread over extra connections that import one snapshot,
   * and large tables are split into block ranges (PG 14+ TID range scans).
   * The result is identical for every value of `jobs`.
   */
  jobs?: number;
  /** Where extra connections go (default: `db`'s own connection parameters). */
  conn?: ConnInfo;
  /** Where extra connections come from (default: opened to `conn` and closed after); verify passes its gate's pool. */
  connections?: ConnectionSource;
  /**
   * A snapshot exported by the caller (pg_export_snapshot) for the extra
   * connections to import, so they see exactly what the caller's transaction
   * sees. Without it, one worker exports a fresh snapshot for the others.
   */
  snapshot?: string;
  /** Tables of at least this many bytes are split into `jobs` block ranges (default 64 MiB). */
  splitBytes?: number;
  /**
   * Below this many bytes in all, every table is hashed on `db` alone even
   * with `jobs` > 1: opening and starting a worker connection costs more than
   * it saves (default 8 MiB).
   */
  parallelFromBytes?: number;
}

const DEFAULT_SPLIT_BYTES = 64 * 1024 * 1024;
const DEFAULT_PARALLEL_FROM_BYTES = 8 * 1024 * 1024;

/** Fingerprint the given tables (default: every user table), sorted by schema and name. */
export async function fingerprint(db: Db, tables?: TableRef[], options: FingerprintOptions = {}): Promise<TableFingerprint[]> {
  const list = tables ?? (await listUserTables(db));
  const jobs = Math.max(1, Math.floor(options.jobs ?? 1));
  const plans = await planTables(db, list);
  const parallel = jobs > 1 && plans.reduce((n, p) => n + p.bytes, 0) >= (options.parallelFromBytes ?? DEFAULT_PARALLEL_FROM_BYTES);
  const results = parallel ? await hashInParallel(db, plans, jobs, options) : await hashOnCaller(db, plans);
  return results.sort(compareRefs);
}

/** Fingerprint one table (optionally a part of it: `where` is an SQL condition on the row alias `r`). */
export async function fingerprintTable(db: Db, t: TableRef, where = ''): Promise<TableFingerprint> {
  const [plan] = await planTables(db, [t]);
  const restore = await pinTemporarily(db);
  try {
    const part = await hashPiece(db, { plan: plan!, where: where.replace(/^\s*WHERE\s+/i, '') });
    return { ...t, rows: part.rows, hash: `${plan!.method}:${part.sum}` };
  } finally {
    await restore();
  }
}

export type HashMethod = 'b' | 't';

export interface TablePlan {
  ref: TableRef;
  method: HashMethod;
  bytes: number;
  blocks: number;
  /** A partitioned table: its rows are its partitions' (read through it, never split by block: it has none). */
  partitioned?: boolean;
}

export interface Piece {
  plan: TablePlan;
  /** SQL condition on `r` selecting this piece ('' = whole table). */
  where: string;
  /** Estimated size of the piece, to hash the biggest first. */
  bytes?: number;
}

interface PieceSum {
  rows: number;
  sum: bigint;
}

/**
 * Types whose values are equal exactly when their text forms are equal, and
 * whose hash does not depend on OIDs (enums do) or on settings. Text types
 * qualify only under a deterministic collation; blank-padded char only with
 * a fixed length (then every value is stored padded).
 */
const BINARY_SAFE_TYPES = ['bool', 'int2', 'int4', 'int8', 'oid', 'text', 'varchar', 'bpchar', 'name', 'char', 'bytea', 'uuid', 'date', 'time', 'timestamp', 'timestamptz'];

async function planTables(db: Db, tables: TableRef[]): Promise<TablePlan[]> {
  if (tables.length === 0) return [];
  const { major } = await serverVersion(db);
  let rows: Array<{ i: number; binary_safe: boolean; bytes: string; blocks: string; partitioned: boolean }>;
  try {
    ({ rows } = await db.query(
      `SELECT t.i,
              NOT EXISTS (
                SELECT 1
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
                  LEFT JOIN pg_catalog.pg_type base ON base.oid = ty.typbasetype AND ty.typtype = 'd'
                  LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                   AND NOT (
                         coalesce(base.typnamespace, ty.typnamespace) = 'pg_catalog'::pg_catalog.regnamespace
                     AND coalesce(base.typtype, ty.typtype) = 'b'
                     AND coalesce(base.typname, ty.typname) = ANY ($3::text[])
                     AND (coalesce(base.typname, ty.typname) <> 'bpchar' OR (CASE WHEN ty.typtype = 'd' THEN ty.typtypmod ELSE a.atttypmod END) > 0)
                     AND (co.oid IS NULL OR co.collisdeterministic)
                   )
              ) AS binary_safe,
              pg_catalog.pg_relation_size(c.oid) AS bytes,
              pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::int AS blocks,
              c.relkind = 'p' AS partitioned
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, name, i)
         JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
         JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
        ORDER BY t.i`,
      [tables.map((t) => t.schema), tables.map((t) => t.table), BINARY_SAFE_TYPES],
    ));
  } catch (cause) {
    throw queryError('could not read the tables to fingerprint', cause);
  }
  const found = new Map(rows.map((r) => [Number(r.i), r]));
  return tables.map((ref, index) => {
    const row = found.get(index + 1);
    if (!row) {
      throw new DbrollbackError('QUERY_FAILED', `cannot fingerprint ${quoteQualified(ref.schema, ref.table)}: no such table`, {
        hint: 'Pass only tables that exist (listUserTables lists them).',
      });
    }
    // hash_record_extended arrived in PostgreSQL 14.
    const method: HashMethod = row.binary_safe && major >= 14 ? 'b' : 't';
    return { ref: { schema: ref.schema, table: ref.table }, method, bytes: Number(row.bytes), blocks: Number(row.blocks), ...(row.partitioned ? { partitioned: true } : {}) };
  });
}

function rowHash(method: HashMethod): string {
  return method === 'b'
    ? 'pg_catalog.hashint8extended(pg_catalog.hash_record_extended(r, 0), 0)'
    : 'pg_catalog.hashtextextended(r::pg_catalog.text, 0)';
}

async function hashPiece(db: Db, piece: Piece): Promise<PieceSum> {
  const name = quoteQualified(piece.plan.ref.schema, piece.plan.ref.table);
  const where = piece.where ? `WHERE ${piece.where}` : '';
  try {
    const { rows } = await db.query<{ n: string; h: string }>(
      `SELECT pg_catalog.count(*) AS n, coalesce(pg_catalog.sum(${rowHash(piece.plan.method)}), 0)::pg_catalog.text AS h
         FROM ${piece.plan.partitioned ? '' : 'ONLY '}${name} AS r ${where}`,
    );
    return { rows: Number(rows[0]!.n), sum: BigInt(rows[0]!.h) };
  } catch (cause) {
    // A table this role may not read (another role's, no GRANT): said with the GRANT, not as PostgreSQL's bare words.
    if ((cause as { code?: unknown }).code === '42501') {
      const role = (await db.query<{ role: string }>('SELECT current_user AS role').catch(() => ({ rows: [] as Array<{ role: string }> }))).rows[0]?.role ?? 'this role';
      throw queryError(`could not fingerprint ${name}: role ${role} may not read it (as its owner or a superuser: GRANT SELECT ON ${name} TO ${quoteIdent(role)})`, cause);
    }
    throw queryError(`could not fingerprint ${name}`, cause);
  }
}

async function hashOnCaller(db: Db, plans: TablePlan[]): Promise<TableFingerprint[]> {
  const restore = await pinTemporarily(db);
  try {
    const out: TableFingerprint[] = [];
    for (const plan of plans) {
      const part = await hashPiece(db, { plan, where: '' });
      out.push({ ...plan.ref, rows: part.rows, hash: `${plan.method}:${part.sum}` });
    }
    return out;
  } finally {
    await restore();
  }
}

/** Large tables become `jobs` block ranges (the last one open-ended); the rest stay whole. */
export function splitPieces(plans: TablePlan[], jobs: number, splitBytes: number, tidRanges: boolean): Piece[] {
  const pieces: Piece[] = [];
  for (const plan of plans) {
    const parts = tidRanges && plan.bytes >= splitBytes ? Math.min(jobs, plan.blocks) : 1;
    if (parts <= 1) {
      pieces.push({ plan, where: '', bytes: plan.bytes });
      continue;
    }
    const step = Math.ceil(plan.blocks / parts);
    for (let i = 0; i < parts; i++) {
      const lo = i * step;
      const conds = [];
      if (i > 0) conds.push(`r.ctid >= '(${lo},0)'::pg_catalog.tid`);
      if (i < parts - 1) conds.push(`r.ctid < '(${lo + step},0)'::pg_catalog.tid`);
      pieces.push({ plan, where: conds.join(' AND '), bytes: plan.bytes / parts });
    }
  }
  // Biggest first, so the last piece to finish is a small one.
  return pieces.sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0));
}

async function hashInParallel(db: Db, plans: TablePlan[], jobs: number, options: FingerprintOptions): Promise<TableFingerprint[]> {
  const { major } = await serverVersion(db);
  const pieces = splitPieces(plans, jobs, options.splitBytes ?? DEFAULT_SPLIT_BYTES, major >= 14);
  const workerCount = Math.min(jobs, pieces.length);
  if (workerCount === 0) return [];
  const connections = options.connections ?? freshConnections(options.conn ?? connInfoOf(db));
  const workers: Db[] = [];
  try {
    // One snapshot for every worker: the ranges of a table must see one state of it.
    const first = await startWorker(connections, workers, options.snapshot);
    const snapshot = options.snapshot ?? (await first.query<{ s: string }>('SELECT pg_catalog.pg_export_snapshot() AS s')).rows[0]!.s;
    await Promise.all(Array.from({ length: workerCount - 1 }, () => startWorker(connections, workers, snapshot)));

    const sums = new Map<TablePlan, PieceSum>(plans.map((p) => [p, { rows: 0, sum: 0n }]));
    let next = 0;
    await Promise.all(
      workers.map(async (worker) => {
        while (next < pieces.length) {
          const piece = pieces[next++]!;
          const part = await hashPiece(worker, piece);
          const total = sums.get(piece.plan)!;
          total.rows += part.rows;
          total.sum += part.sum;
        }
      }),
    );
    return plans.map((plan) => {
      const total = sums.get(plan)!;
      return { ...plan.ref, rows: total.rows, hash: `${plan.method}:${total.sum}` };
    });
  } finally {
    await Promise.all(workers.map((w) => connections.release(w)));
  }
}

async function startWorker(connections: ConnectionSource, workers: Db[], snapshot: string | undefined): Promise<Db> {
  const worker = await connections.acquire();
  workers.push(worker);
  try {
    await pinTextSettings(worker);
    // `jobs` is the parallelism: no extra parallel workers per query, no JIT compile per range.
    await worker.query("SET max_parallel_workers_per_gather = 0; SET jit = off");
    await worker.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (snapshot !== undefined) await worker.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
  } catch (cause) {
    throw queryError('could not start a fingerprint worker', cause, snapshot ? 'The exported snapshot must stay open (its transaction running) while fingerprints are taken.' : undefined);
  }
  return worker;
}

/** The caller's connection parameters, for workers when no ConnInfo was given. */
function connInfoOf(db: Db): ConnInfo {
  return {
    host: db.host,
    port: db.port,
    user: db.user ?? 'postgres',
    password: db.password,
    database: db.database ?? db.user ?? 'postgres',
    sslmode: undefined,
    applicationName: 'dbrollback',
  };
}

/** The order fingerprints are listed in: schema, then table. */
export function compareRefs(a: TableRef, b: TableRef): number {
  return compareStrings(a.schema, b.schema) || compareStrings(a.table, b.table);
}
