/**
 * The indexes PostgreSQL holds INVALID (indisvalid false): what a failed or
 * interrupted CREATE INDEX CONCURRENTLY leaves behind — ignored by the
 * planner, and a unique one enforces nothing. Schema-qualified and quoted.
 */
import type { Db } from './connection.js';

export async function invalidIndexes(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}
