/**
 * node-pg-migrate's history table (default public.pgmigrations: id, name,
 * run_on), read as its runner reads it. node-pg-migrate writes it itself:
 * dbrollback applies and undoes through its runner.
 */
import { quoteQualified, type Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import type { HistoryEntry } from '../status-of.js';

export const DEFAULT_TABLE = 'pgmigrations';
export const DEFAULT_SCHEMA = 'public';

/** Read-only: a missing table means nothing is applied (node-pg-migrate creates it on its first run). */
export async function readHistory(db: Db, schema: string, table: string): Promise<HistoryEntry[]> {
  const qualified = quoteQualified(schema, table);
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified]);
  if (!exists[0]?.ok) return [];
  // run_on is a timestamp without time zone written with NOW(): read it in the server's time zone.
  const { rows } = await db.query<{ name: string; applied_at: Date }>(
    `SELECT name, run_on AT TIME ZONE current_setting('TimeZone') AS applied_at FROM ${qualified} ORDER BY run_on, id`,
  );
  return rows.map((r) => ({ name: r.name, appliedAt: r.applied_at }));
}

/**
 * Where the default history table is missing: another table with
 * node-pg-migrate's columns (id, name, run_on) holding rows is the project's
 * history under the name its --migrations-table gives it. Read as missing,
 * every migration would look pending and `migrate` would apply them again:
 * refused (exit 2) naming the setting, before anything runs.
 */
export async function assertNoOtherHistory(db: Db, schema: string, table: string): Promise<void> {
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [quoteQualified(schema, table)]);
  if (exists[0]?.ok) return;
  const { rows: found } = await db.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname IN ('id', 'name', 'run_on')) = 3
      ORDER BY 1, 2`,
  );
  const withRows: Array<{ schema: string; table: string; count: number; newest: string }> = [];
  for (const t of found) {
    const { rows } = await db.query<{ count: number; newest: string | null }>(`SELECT count(*)::int AS count, (SELECT name FROM ${quoteQualified(t.schema, t.table)} ORDER BY run_on DESC, id DESC LIMIT 1) AS newest FROM ${quoteQualified(t.schema, t.table)}`);
    if ((rows[0]?.count ?? 0) > 0) withRows.push({ ...t, count: rows[0]!.count, newest: rows[0]!.newest ?? '' });
  }
  if (withRows.length === 0) return;
  const named = withRows.map((t) => `${t.schema}.${t.table} (${t.count} migration(s), the newest ${t.newest})`).join(', ');
  const first = withRows[0]!;
  const settings = `"migrationsTable": "${first.table}"${first.schema !== 'public' ? `, "migrationsSchema": "${first.schema}"` : ''}`;
  throw new DbrollbackError('MIGRATIONS_INVALID', `node-pg-migrate's default history table ${schema}.${table} does not exist, but ${named} ${withRows.length === 1 ? 'has' : 'have'} its columns (id, name, run_on): read as ${schema}.${table}, every migration would look pending and migrate would apply them again`, {
    hint: `Nothing was changed. Name the history table node-pg-migrate is given (its --migrations-table / migrations-table): set ${settings} in dbrollback.config.json (if ${withRows.length === 1 ? 'that table is' : 'those tables are'} another project's, set "migrationsTable": "${table}" there to keep the default name).`,
    details: { found: withRows.map((t) => `${t.schema}.${t.table}`) },
  });
}
