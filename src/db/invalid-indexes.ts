/**
 * The indexes PostgreSQL holds INVALID (indisvalid false): what a failed or
 * interrupted CREATE INDEX CONCURRENTLY leaves behind — ignored by the
 * planner, and a unique one enforces nothing.
 */
import type { Db } from './connection.js';

export interface InvalidIndex {
  schema: string;
  name: string;
  /** Schema-qualified and quoted as PostgreSQL's format('%I.%I') writes it. */
  display: string;
}

export async function invalidIndexRows(db: Db): Promise<InvalidIndex[]> {
  const { rows } = await db.query<InvalidIndex>(
    `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS display
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY 3`,
  );
  return rows;
}

/** The INVALID indexes, schema-qualified and quoted. */
export async function invalidIndexes(db: Db): Promise<string[]> {
  return (await invalidIndexRows(db)).map((r) => r.display);
}
