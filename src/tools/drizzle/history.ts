/**
 * Drizzle's history, read and written exactly as drizzle-orm's migrator
 * keeps it (drizzle-orm 0.45, `PgDialect.migrate` in pg-core/dialect.ts):
 *
 *   CREATE SCHEMA IF NOT EXISTS "drizzle";
 *   CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (
 *     id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
 *   -- one row per migration: its file's sha256 and the journal's `when`
 *   insert into "drizzle"."__drizzle_migrations" ("hash", "created_at") values ($1, $2)
 *
 * The schema and table are drizzle.config.ts's `migrations.schema` /
 * `migrations.table` (dbrollback's `migrationsSchema` / `migrationsTable`).
 * drizzle-orm decides what is applied from ONE row: the newest by
 * created_at; every journal entry whose `when` is greater is pending.
 */
import { quoteIdent, quoteQualified, type Db } from '../../db/connection.js';

export const DEFAULT_SCHEMA = 'drizzle';
export const DEFAULT_TABLE = '__drizzle_migrations';

export interface DrizzleTable {
  schema: string;
  table: string;
}

export interface DrizzleRow {
  id: number;
  hash: string;
  /** The journal `when` of the migration the row records (bigint: read as a string, compared as a number). */
  createdAt: number | null;
}

/** Read-only: no table means nothing is applied (drizzle-orm creates it on its first run). */
export async function readRows(db: Db, at: DrizzleTable): Promise<DrizzleRow[]> {
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [quoteQualified(at.schema, at.table)]);
  if (!exists[0]?.ok) return [];
  const { rows } = await db.query<{ id: number; hash: string; created_at: string | null }>(`SELECT id, hash, created_at FROM ${quoteQualified(at.schema, at.table)} ORDER BY created_at, id`);
  return rows.map((r) => ({ id: r.id, hash: r.hash, createdAt: r.created_at === null ? null : Number(r.created_at) }));
}

/** The row drizzle-orm compares with: `order by created_at desc limit 1`. */
export function lastRow(rows: readonly DrizzleRow[]): DrizzleRow | undefined {
  // PostgreSQL sorts NULL first in a descending order; drizzle-orm then compares Number(null) = 0.
  const withNull = rows.find((r) => r.createdAt === null);
  if (withNull) return withNull;
  return rows.reduce<DrizzleRow | undefined>((last, r) => (last === undefined || r.createdAt! >= last.createdAt! ? r : last), undefined);
}

/** drizzle-orm's statements before it reads the history, word for word. */
export async function createHistoryTable(db: Db, at: DrizzleTable): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(at.schema)}`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${quoteQualified(at.schema, at.table)} (
				id SERIAL PRIMARY KEY,
				hash text NOT NULL,
				created_at bigint
			)`);
}

export async function recordApplied(db: Db, at: DrizzleTable, hash: string, when: number): Promise<void> {
  await db.query(`insert into ${quoteQualified(at.schema, at.table)} ("hash", "created_at") values($1, $2)`, [hash, when]);
}
