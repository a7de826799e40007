/**
 * Turning what a tool sent into the migration's own SQL: transaction control
 * (the tool's BEGIN/COMMIT) and the tool's bookkeeping (its history table)
 * are dropped; what is left is classified like any SQL file.
 */
import { relKey, str } from '../../sql/ast.js';
import { initParser, parseSql } from '../../sql/parser.js';

export interface CapturedSql {
  /** The migration's statements, `;`-separated, one per paragraph. */
  sql: string;
  /** The tool wrapped them in a transaction (a BEGIN came before the first of them). */
  inTransaction: boolean;
}

/**
 * @param texts what was sent, in order (a text may hold several statements)
 * @param bookkeeping relation names (`name` or `schema.name`) whose statements belong to the tool
 */
export async function migrationSql(texts: readonly string[], bookkeeping: ReadonlySet<string>): Promise<CapturedSql> {
  await initParser();
  const kept: string[] = [];
  let inTransaction = false;
  let open = false;
  for (const text of texts) {
    for (const stmt of parseSql(text, '<captured>').statements) {
      if (stmt.kind === 'TransactionStmt') {
        const kind = str(stmt.node.kind);
        if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') open = true;
        if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') open = false;
        continue;
      }
      if (touches(stmt.node, bookkeeping)) continue;
      if (kept.length === 0) inTransaction = open;
      kept.push(stmt.sql);
    }
  }
  return { sql: kept.map((s) => `${s};`).join('\n\n'), inTransaction };
}

/** Relations a statement names (`schema.name` keys): every object in the tree with a `relname`. */
export function relationsOf(node: unknown): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (typeof value === 'object' && value !== null) {
      const key = relKey(value);
      if (key) out.push(key);
      for (const v of Object.values(value)) visit(v);
    }
  };
  visit(node);
  return out;
}

function touches(node: unknown, tables: ReadonlySet<string>): boolean {
  if (tables.size === 0) return false;
  return relationsOf(node).some((key) => tables.has(key) || tables.has(key.slice(key.indexOf('.') + 1)));
}
