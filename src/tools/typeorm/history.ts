/**
 * TypeORM's history: the `migrations` table (or the DataSource's
 * migrationsTableName, in its `schema`): `id serial, timestamp bigint, name
 * varchar`, one row per executed migration; TypeORM reads it by id and
 * undoes the highest id first. It keeps no applied-at time (`timestamp` is
 * the migration's own, from its class name) and takes no lock. dbrollback
 * reads it; TypeORM writes it (every up and down goes through its runner).
 */
import { quoteIdent, quoteQualified, type Db } from '../../db/connection.js';
import type { HistoryEntry } from '../status-of.js';

export interface TypeormTable {
  schema: string | null;
  table: string;
}

export function qualifiedTable(t: TypeormTable): string {
  // Without a schema option TypeORM names the table unqualified: the search_path decides, for it and for us.
  return t.schema === null ? quoteIdent(t.table) : quoteQualified(t.schema, t.table);
}

/** Read-only: no table means nothing executed (TypeORM creates it on its first run). */
export async function readHistory(db: Db, t: TypeormTable): Promise<HistoryEntry[]> {
  const name = qualifiedTable(t);
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  if (!exists[0]?.ok) return [];
  const { rows } = await db.query<{ name: string }>(`SELECT name FROM ${name} ORDER BY id`);
  return rows.map((r) => ({ name: r.name, appliedAt: null }));
}

export const NO_TIMES_NOTE =
  "TypeORM's migrations table keeps no applied-at times (its timestamp column is the migration's own, from its class name): restore --before-migration needs a restore point made by `dbrollback migrate` or a logical backup taken before the migration";
