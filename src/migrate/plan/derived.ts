/**
 * Derived data at risk: of the values a down would drop, how many are still
 * what the migration computed when it ran (a column it added and backfilled
 * from other tables, a table it created and seeded) — recomputable by running
 * the up again — as opposed to values users wrote since.
 *
 * The check re-evaluates the migration's own filling statement, read-only,
 * against the live rows: a backfilled value counts as derived when it still
 * equals what the UPDATE's expression gives now; a row of a seeded table when
 * the INSERT would produce it now. Values that differ (the application changed
 * them, or the source moved on) count as original. NULLs and volatile
 * expressions (now(), random()) never match, so derived is never overstated.
 */
import type { Db } from '../../db/connection.js';
import { quoteIdent } from '../../db/connection.js';
import { splitRelKey } from '../../sql/ast.js';
import { topLevelTokens, type TopLevelToken } from '../../sql/sql-lexer.js';
import type { Fill } from '../../classify/types.js';

export interface DerivedCount {
  rows: number;
  bytes: number;
}

/**
 * A query returning `n` (derived values or rows) and, for a column, `bytes`
 * (their size); null when the filling statements cannot be re-evaluated
 * (a WITH clause, multi-column assignment, INSERT without a column list, CREATE TABLE AS).
 */
export function derivedQuery(fills: readonly Fill[]): string | null {
  if (fills.length === 0) return null;
  const first = fills[0]!;
  if (first.object === 'column') {
    const parts = fills.map(updateParts);
    if (parts.some((p) => p === null)) return null;
    const qualifier = quoteIdent(first.alias ?? splitRelKey(first.table).table);
    const column = `${qualifier}.${quoteIdent(first.column!)}`;
    const matches = parts.map((p) => `EXISTS (SELECT 1${p!.from ? ` FROM ${p!.from}` : ''} WHERE ${p!.where ? `(${p!.where}) AND ` : ''}${column} IS NOT DISTINCT FROM (${p!.value}))`);
    return `SELECT count(*) AS n, coalesce(sum(pg_column_size(${column})), 0) AS bytes FROM ${parts[0]!.relation} WHERE ${column} IS NOT NULL AND (${matches.join(' OR ')})`;
  }
  const queries = fills.map(insertQuery);
  if (queries.some((q) => q === null)) return null;
  const { schema, table } = splitRelKey(first.table);
  return `SELECT count(*) AS n, 0 AS bytes FROM ${quoteIdent(schema)}.${quoteIdent(table)} WHERE ${queries.join(' OR ')}`;
}

/**
 * Run the check in a read-only transaction (the expression is the migration's
 * own SQL, but nothing it calls may write here); null when it fails.
 */
export async function measureDerived(db: Db, fills: readonly Fill[]): Promise<DerivedCount | null> {
  const sql = derivedQuery(fills);
  if (sql === null) return null;
  await db.query('BEGIN TRANSACTION READ ONLY');
  try {
    const { rows } = await db.query<{ n: string; bytes: string }>(sql);
    return { rows: Number(rows[0]!.n), bytes: Number(rows[0]!.bytes) };
  } catch {
    return null;
  } finally {
    await db.query('ROLLBACK');
  }
}

interface UpdateParts {
  /** The target as written (`orders o`, `ONLY public.orders AS o`). */
  relation: string;
  value: string;
  from: string | null;
  where: string | null;
}

/** `UPDATE rel SET col = value [FROM ...] [WHERE ...]` cut into its clauses, for the filled column. */
function updateParts(fill: Fill): UpdateParts | null {
  const sql = fill.sql;
  const tokens = topLevelTokens(sql);
  if (tokens[0]?.text !== 'update') return null;
  const set = tokens.findIndex((t) => t.text === 'set');
  if (set < 0) return null;
  const after = (i: number, words: string[]): number => tokens.findIndex((t, k) => k > i && words.includes(t.text));
  const from = after(set, ['from', 'where', 'returning']);
  const where = after(set, ['where', 'returning']);
  const returning = after(set, ['returning']);
  const end = (k: number): number => (k < 0 ? sql.length : tokens[k]!.start);
  const setEnd = end(from);
  const value = assignedValue(sql, tokens.filter((t, k) => k > set && t.start < setEnd), tokens[set]!.end, setEnd, fill.column!);
  if (value === null) return null;
  const fromText = from >= 0 && tokens[from]!.text === 'from' ? sql.slice(tokens[from]!.end, end(where >= 0 ? where : returning)).trim() : null;
  const whereText = where >= 0 && tokens[where]!.text === 'where' ? sql.slice(tokens[where]!.end, end(returning)).trim() : null;
  if (whereText && /^current\s+of\b/i.test(whereText)) return null;
  return { relation: sql.slice(tokens[0]!.end, tokens[set]!.start).trim(), value, from: fromText, where: whereText };
}

/** The expression assigned to `column` in a SET list (split at top-level commas, `name = expr`). */
function assignedValue(sql: string, tokens: TopLevelToken[], start: number, end: number, column: string): string | null {
  const commas = tokens.filter((t) => t.text === ',').map((t) => t.start);
  const bounds = [start, ...commas.map((c) => c + 1)];
  for (const [i, from] of bounds.entries()) {
    const to = i + 1 < bounds.length ? commas[i]! : end;
    const eq = tokens.find((t) => t.text === '=' && t.start >= from && t.start < to);
    if (!eq) continue;
    const target = sql.slice(from, eq.start).trim();
    if (unquote(target) === column) return sql.slice(eq.end, to).trim();
  }
  return null;
}

/** `(cols) IN (query)` for an `INSERT INTO rel (cols) query` filling a new table. */
function insertQuery(fill: Fill): string | null {
  if (fill.kind !== 'InsertStmt' || fill.columns.length === 0) return null;
  const sql = fill.sql;
  const tokens = topLevelTokens(sql);
  if (tokens[0]?.text !== 'insert') return null;
  const start = tokens.findIndex((t) => ['select', 'values', 'with', 'table'].includes(t.text));
  if (start < 0) return null;
  const stop = tokens.findIndex((t, k) => k > start && ((t.text === 'on' && tokens[k + 1]?.text === 'conflict') || t.text === 'returning'));
  const query = sql.slice(tokens[start]!.start, stop < 0 ? sql.length : tokens[stop]!.start).trim();
  return `(${fill.columns.map(quoteIdent).join(', ')}) IN (${query})`;
}

function unquote(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier.toLowerCase();
}
