/**
 * A down that writes PostgreSQL's system catalogs itself — the
 * `DELETE FROM pg_enum WHERE enumlabel = '…'` real projects use because
 * PostgreSQL cannot drop an enum value — bypasses every check PostgreSQL
 * makes: rows still holding the deleted value become unreadable ("invalid
 * internal value for enum"), and no schema snapshot or row count sees it
 * before a query trips over it. Such a down is no way back; a restore is.
 *
 * An unqualified name resolves as PostgreSQL resolves it: pg_catalog comes
 * first in every search_path, so `pg_enum` is pg_catalog.pg_enum.
 */
import type { Db } from '../../db/connection.js';
import { as, str } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parser.js';

const WRITES: Record<string, string> = { DeleteStmt: 'DELETE FROM', UpdateStmt: 'UPDATE', InsertStmt: 'INSERT INTO' };

/** `DELETE FROM pg_catalog.pg_enum` for each statement writing a system catalog, once each, in order. */
export async function catalogWrites(db: Db, statements: readonly ParsedStatement[]): Promise<string[]> {
  const out: string[] = [];
  for (const { kind, node } of statements) {
    const verb = WRITES[kind];
    if (!verb) continue;
    const rv = as(node.relation, 'RangeVar') ?? (node.relation as Record<string, unknown> | undefined);
    const name = str(rv?.relname);
    const schema = str(rv?.schemaname);
    if (!name || (schema !== undefined && schema !== 'pg_catalog')) continue;
    if (schema === undefined && !(await inCatalog(db, name))) continue;
    const what = `${verb} pg_catalog.${name}`;
    if (!out.includes(what)) out.push(what);
  }
  return out;
}

async function inCatalog(db: Db, name: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace AND relname = $1) AS ok", [name]);
  return rows[0]?.ok === true;
}
