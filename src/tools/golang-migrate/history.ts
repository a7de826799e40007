/**
 * golang-migrate's history, read and written as its postgres driver does
 * (database/postgres/postgres.go, v4.18): one table, by default
 * `schema_migrations` in the connection's current schema,
 * `(version bigint not null primary key, dirty boolean not null)`, holding
 * exactly one row — the version the database is at, and whether a migration
 * to it was interrupted (dirty). No row: nothing applied. SetVersion
 * truncates the table and inserts the new row in one transaction; version -1
 * (NilVersion) is written only when dirty (a failed down of the first
 * migration), else the table is left empty.
 *
 * The table's name follows x-migrations-table (`migrationsTable`); a value
 * in double quotes, `"schema"."table"`, is read as x-migrations-table-quoted
 * reads it. `migrationsSchema` names the schema where golang-migrate would
 * find it through the search path.
 */
import { quoteQualified, type Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import type { HistoryHead, HistorySettings } from '../tool.js';

export const DEFAULT_TABLE = 'schema_migrations';

/** The history table as configured; a null schema is the connection's current_schema(), as golang-migrate finds it. */
export interface GolangMigrateTable {
  schema: string | null;
  table: string;
}

export interface GolangMigrateVersion {
  /** -1 is golang-migrate's NilVersion (only ever stored dirty). */
  version: bigint;
  dirty: boolean;
}

export function tableOf(settings: HistorySettings): GolangMigrateTable {
  const configured = settings.migrationsTable;
  const schema = settings.migrationsSchema ?? null;
  if (configured === undefined || configured === '') return { schema, table: DEFAULT_TABLE };
  if (!(configured.startsWith('"') && configured.endsWith('"'))) return { schema, table: configured };
  // x-migrations-table-quoted: the last quoted part is the table, a first one its schema.
  const parts = [...configured.matchAll(/"(.*?)"/g)].map((m) => m[1]!);
  if (parts.length > 2) {
    throw new DbrollbackError('CONFIG_INVALID', `migrationsTable ${configured} contains too many dot characters (golang-migrate's x-migrations-table-quoted takes "table" or "schema"."table")`, {
      hint: 'Set migrationsTable to the value of your x-migrations-table, e.g. "migrate"."schema_migrations" (with the double quotes).',
    });
  }
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { schema, table: parts[0]! };
}

/** The schema a null schema means on this connection. */
export async function resolveTable(db: Db, t: GolangMigrateTable): Promise<{ schema: string; table: string }> {
  if (t.schema !== null) return { schema: t.schema, table: t.table };
  const { rows } = await db.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new DbrollbackError('CONFIG_INVALID', 'the connection has no current schema (its search_path names no existing schema), so golang-migrate\'s table cannot be found', {
      hint: 'Set migrationsSchema to the schema that holds schema_migrations.',
    });
  }
  return { schema, table: t.table };
}

/** The version row; null when the table is missing or empty (nothing applied), as golang-migrate's Version() reads it. */
export async function readVersion(db: Db, t: GolangMigrateTable): Promise<GolangMigrateVersion | null> {
  const resolved = await resolveTable(db, t);
  const qualified = quoteQualified(resolved.schema, resolved.table);
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified]);
  if (!exists[0]?.ok) return null;
  // dbmate's table has golang-migrate's name and a version column too, but no dirty: it is another project's history.
  const { rows: dirty } = await db.query<{ ok: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'dirty' AND attnum > 0 AND NOT attisdropped) AS ok", [qualified]);
  if (!dirty[0]?.ok) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `${resolved.schema}.${resolved.table} has no dirty column: it is not golang-migrate's history (version bigint, dirty boolean) — dbmate keeps one row per applied migration in a table of that name — so this database is not the golang-migrate project's`, {
      hint: `Pass --migrations DIR and --migrator naming this database's own tool (dbmate: --migrator dbmate), or --database-url naming the golang-migrate project's database; a golang-migrate history table of another name is set with migrationsTable. Nothing was changed.`,
      details: { table: `${resolved.schema}.${resolved.table}` },
    });
  }
  const { rows } = await db.query<{ version: string; dirty: boolean }>(`SELECT version::text AS version, dirty FROM ${qualified} LIMIT 1`);
  const row = rows[0];
  return row ? { version: BigInt(row.version), dirty: row.dirty } : null;
}

/** ensureVersionTable: create the table when information_schema does not show it. */
export async function ensureTable(db: Db, t: GolangMigrateTable): Promise<void> {
  const resolved = await resolveTable(db, t);
  const { rows } = await db.query<{ n: number }>('SELECT COUNT(1)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2 LIMIT 1', [resolved.schema, resolved.table]);
  if (rows[0]?.n === 1) return;
  await db.query(`CREATE TABLE IF NOT EXISTS ${quoteQualified(resolved.schema, resolved.table)} (version bigint not null primary key, dirty boolean not null)`);
}

/** SetVersion(version, dirty): null is NilVersion (no migration applied). */
export async function setVersion(db: Db, t: GolangMigrateTable, version: bigint | null, dirty: boolean): Promise<void> {
  const resolved = await resolveTable(db, t);
  const qualified = quoteQualified(resolved.schema, resolved.table);
  await db.query('BEGIN');
  try {
    await db.query(`TRUNCATE ${qualified}`);
    if (version !== null || dirty) await db.query(`INSERT INTO ${qualified} (version, dirty) VALUES ($1, $2)`, [(version ?? -1n).toString(), dirty]);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The head without the project's files: none when nothing is applied. The
 * table holds a version only, while dbrollback names a golang-migrate
 * migration by its up file (`3_add_orders`, as status, migrate and the
 * manifests of backups taken with --migrations record it): the name needs
 * the files, so the version is kept as what it is — the head's version,
 * which status lists in the migration's tags — not as a head name nothing
 * would match. A dirty row identifies no head at all: the database is
 * between two versions.
 */
export async function headOf(db: Db, settings: HistorySettings): Promise<HistoryHead> {
  const t = tableOf(settings);
  const row = await readVersion(db, { schema: t.schema ?? 'public', table: t.table });
  if (row === null || (row.version < 0n && !row.dirty)) return { head: null };
  if (row.dirty) return { unnamed: `it is dirty at version ${row.version} (a golang-migrate run failed or was interrupted there, so the database is between two versions)`, blocked: true };
  return { unnamed: `golang-migrate records only the version (${row.version}), and its migrations are named by their files (VERSION_title, as status and migrate name them); the version is kept`, version: String(row.version) };
}
