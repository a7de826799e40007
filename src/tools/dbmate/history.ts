/**
 * dbmate's history: `schema_migrations (version varchar primary key)`, one
 * row per applied migration (its version), inserted in the migration's
 * transaction and deleted by a rollback — as dbmate 2.36's postgres driver
 * keeps it (CreateMigrationsTable, InsertMigration, DeleteMigration). Its
 * name follows --migrations-table (`migrationsTable`, `schema.table` allowed);
 * without a schema, the connection's current_schema().
 */
import { quoteQualified, type Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import type { HistoryHead, HistorySettings } from '../tool.js';

export const DEFAULT_TABLE = 'schema_migrations';

export interface DbmateTable {
  /** null: current_schema(), as dbmate finds it. */
  schema: string | null;
  table: string;
}

export function tableOf(settings: HistorySettings): DbmateTable {
  const configured = settings.migrationsTable ?? DEFAULT_TABLE;
  const dot = configured.indexOf('.');
  // dbmate splits --migrations-table at its first dot: schema.table.
  if (dot > 0) return { schema: configured.slice(0, dot), table: configured.slice(dot + 1) };
  return { schema: settings.migrationsSchema ?? null, table: configured };
}

/** What dbmate's --migrations-table is given so it writes the same table (null: its default). */
export function tableFlag(t: DbmateTable): string | null {
  if (t.schema === null) return t.table === DEFAULT_TABLE ? null : t.table;
  return `${t.schema}.${t.table}`;
}

export async function qualifiedOf(db: Db, t: DbmateTable): Promise<{ schema: string; table: string; sql: string }> {
  let schema = t.schema;
  if (schema === null) {
    const { rows } = await db.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    schema = rows[0]?.schema ?? 'public';
  }
  return { schema, table: t.table, sql: quoteQualified(schema, t.table) };
}

/** Applied versions, oldest first (dbmate's `order by version`); none when the table is missing. */
export async function readApplied(db: Db, t: DbmateTable): Promise<string[]> {
  const q = await qualifiedOf(db, t);
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [q.sql]);
  if (!exists[0]?.ok) return [];
  // golang-migrate's table has dbmate's name and a version column too: read as dbmate's, its one row would look like one applied migration.
  const { rows: dirty } = await db.query<{ ok: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'dirty' AND attnum > 0 AND NOT attisdropped) AS ok", [q.sql]);
  if (dirty[0]?.ok) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${q.schema}.${q.table} has a dirty column: it is golang-migrate's history (one row: the version the database is at), not dbmate's (one row per applied migration), so this database is not the dbmate project's`, {
      hint: 'Pass --migrations DIR naming this database\'s golang-migrate migrations (VERSION_name.up.sql files; --migrator golang-migrate if they are not detected), or --database-url naming the dbmate project\'s database. Nothing was changed.',
      details: { table: `${q.schema}.${q.table}`, historyOf: 'golang-migrate' },
    });
  }
  const { rows } = await db.query<{ version: string }>(`SELECT version FROM ${q.sql} ORDER BY version ASC`);
  return rows.map((r) => r.version);
}

/** Only where the dbmate program is missing: the table as dbmate 2.36 creates it. */
export async function ensureTable(db: Db, t: DbmateTable): Promise<void> {
  const q = await qualifiedOf(db, t);
  await db.query(`CREATE TABLE IF NOT EXISTS ${q.sql} (version varchar PRIMARY KEY)`);
}

export async function insertVersion(db: Db, t: DbmateTable, version: string): Promise<void> {
  await db.query(`INSERT INTO ${(await qualifiedOf(db, t)).sql} (version) VALUES ($1)`, [version]);
}

export async function deleteVersion(db: Db, t: DbmateTable, version: string): Promise<void> {
  await db.query(`DELETE FROM ${(await qualifiedOf(db, t)).sql} WHERE version = $1`, [version]);
}

/**
 * The head without the project's files: none when nothing is applied. The
 * table holds versions only, while dbrollback names a dbmate migration by
 * its file (`20240101120000_create_tables`, as status and migrate name it):
 * the name needs the files, so the highest version (dbmate's current one)
 * is kept as what it is, the head's version, which status lists in the
 * migration's tags.
 */
export async function headOf(db: Db, settings: HistorySettings): Promise<HistoryHead> {
  const t = tableOf(settings);
  const versions = await readApplied(db, { schema: t.schema ?? 'public', table: t.table });
  if (versions.length === 0) return { head: null };
  // The last in the table's version order: the adapter's head (the order of dbmate's file names, timestamps of one length).
  const latest = versions.at(-1)!;
  return { unnamed: `dbmate records only versions (the latest ${latest}), and its migrations are named by their files (VERSION_name, as status and migrate name them); the version is kept`, version: latest };
}
