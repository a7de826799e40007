/**
 * The live side of the baseline comparison, computed once per gate and shared
 * by `row-counts` and `fingerprints`: when fingerprints are wanted the counts
 * come from the same scan (one pass over each table, not two). Where it only
 * counts, it can also count the unreadable enum values (`enums`) for the
 * `enum-values` check in that same pass. Where it fingerprints, it cannot: the
 * text hash stops at the first unreadable value, so that check reads those
 * tables itself.
 */
import type { Db } from '../db/connection.js';
import { queryError, quoteQualified } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';
import type { ConnectionSource } from '../db/session.js';
import { tableKey } from './baseline.js';
import type { LiveTable } from './compare.js';
import { listEnumColumns, readingsOf, unreadableCounts, type EnumColumn } from './enum-columns.js';
import { fingerprint, listUserTables, type TableRef } from '../fingerprint/fingerprint.js';

export interface LiveTables {
  /** Every user table with its row count; `hash` set on the tables that were fingerprinted, `enums` on those whose enum columns were read. */
  get(): Promise<LiveTable[]>;
  /** The scan counts (not hashes) and reads enum columns as it does: `enums` is set on every table it counts that has enum columns. */
  readonly readsEnums: boolean;
}

export interface LiveTablesOptions {
  connections: ConnectionSource;
  conn: ConnInfo;
  jobs: number;
  /** Fingerprint (not only count) the tables — when the fingerprints check runs against a baseline with hashes. */
  hashes: boolean;
  /** Not fingerprinted (only counted): they are expected to differ. */
  expectChanged: TableRef[];
  /** Measure only these tables (a partial baseline's): the others are not read at all. */
  only?: TableRef[];
  /** The live side already measured by the caller (restore hashes each table as pg_restore commits it). */
  measured?: LiveTable[];
  /** Also count the rows holding enum values missing from pg_enum, in the same query as the row count (the enum-values check will run). */
  enums?: boolean;
}

export function liveTables(options: LiveTablesOptions): LiveTables {
  let pending: Promise<LiveTable[]> | undefined;
  return {
    readsEnums: options.enums === true && !options.hashes && !options.measured,
    get() {
      pending ??= options.measured ? Promise.resolve(options.measured) : scan(options);
      return pending;
    },
  };
}

async function scan(options: LiveTablesOptions): Promise<LiveTable[]> {
  const db = await options.connections.acquire();
  try {
    const listed = await listUserTables(db);
    const only = options.only ? new Set(options.only.map(tableKey)) : null;
    const all = only ? listed.filter((t) => only.has(tableKey(t))) : listed;
    const enums = options.enums && !options.hashes ? await listEnumColumns(db) : new Map<string, EnumColumn[]>();
    if (!options.hashes) return await countAll(db, all, enums);
    const skip = new Set(options.expectChanged.map(tableKey));
    const hashed = await fingerprint(
      db,
      all.filter((t) => !skip.has(tableKey(t))),
      { jobs: options.jobs, conn: options.conn, connections: options.connections },
    );
    const counted = await countAll(db, all.filter((t) => skip.has(tableKey(t))), enums);
    return [...hashed, ...counted];
  } finally {
    await options.connections.release(db);
  }
}

/** Row counts, with the unreadable enum values of the tables in `enums` counted by the same query. */
async function countAll(db: Db, tables: TableRef[], enums: Map<string, EnumColumn[]>): Promise<LiveTable[]> {
  const out: LiveTable[] = [];
  for (const t of tables) {
    const name = quoteQualified(t.schema, t.table);
    const columns = enums.get(tableKey(t));
    try {
      const { rows } = await db.query<{ n: string }>(`SELECT pg_catalog.count(*) AS n${columns ? unreadableCounts(columns) : ''} FROM ONLY ${name} AS r`);
      out.push({ ...t, rows: Number(rows[0]!.n), ...(columns ? { enums: readingsOf(columns, rows[0]!) } : {}) });
    } catch (cause) {
      throw queryError(`could not count the rows of ${name}`, cause);
    }
  }
  return out;
}
