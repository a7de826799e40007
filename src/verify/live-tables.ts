/**
 * The live side of the baseline comparison, computed once per gate and shared
 * by `row-counts` and `fingerprints`: when fingerprints are wanted the counts
 * come from the same scan (one pass over each table, not two).
 */
import type { Db } from '../db/connection.js';
import { queryError, quoteQualified } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';
import type { ConnectionSource } from '../db/session.js';
import { tableKey } from './baseline.js';
import type { LiveTable } from './compare.js';
import { fingerprint, listUserTables, type TableRef } from '../fingerprint/fingerprint.js';

export interface LiveTables {
  /** Every user table with its row count; `hash` set on the tables that were fingerprinted. */
  get(): Promise<LiveTable[]>;
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
}

export function liveTables(options: LiveTablesOptions): LiveTables {
  let pending: Promise<LiveTable[]> | undefined;
  return {
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
    if (!options.hashes) return await countAll(db, all);
    const skip = new Set(options.expectChanged.map(tableKey));
    const hashed = await fingerprint(
      db,
      all.filter((t) => !skip.has(tableKey(t))),
      { jobs: options.jobs, conn: options.conn, connections: options.connections },
    );
    const counted = await countAll(db, all.filter((t) => skip.has(tableKey(t))));
    return [...hashed, ...counted];
  } finally {
    await options.connections.release(db);
  }
}

async function countAll(db: Db, tables: TableRef[]): Promise<LiveTable[]> {
  const out: LiveTable[] = [];
  for (const t of tables) {
    const name = quoteQualified(t.schema, t.table);
    try {
      const { rows } = await db.query<{ n: string }>(`SELECT pg_catalog.count(*) AS n FROM ONLY ${name}`);
      out.push({ ...t, rows: Number(rows[0]!.n) });
    } catch (cause) {
      throw queryError(`could not count the rows of ${name}`, cause);
    }
  }
  return out;
}
