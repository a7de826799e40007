/**
 * Turning what a tool sent into the migration's own SQL: transaction control
 * (the tool's BEGIN/COMMIT), the tool's bookkeeping (its history table) and
 * reads of the system catalogs (TypeORM's `queryRunner.addColumn` and the
 * like read the table's definition first; Knex's `hasTable` asks
 * information_schema) are dropped; what is left is classified like any SQL
 * file.
 */
import { calledFunctions, relKey, str, walk } from '../../sql/ast.js';
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
      if (touches(stmt.node, bookkeeping) || (stmt.kind === 'SelectStmt' && readsCatalogOnly(stmt.node))) continue;
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

/** Functions that only read (the system information and comment functions the ORMs' introspection calls, aggregates). */
const CATALOG_READ_FUNCTIONS = new Set([
  'current_schema', 'current_schemas', 'current_database', 'current_user', 'session_user', 'current_setting', 'version',
  'obj_description', 'col_description', 'shobj_description', 'format_type', 'pg_get_constraintdef', 'pg_get_expr', 'pg_get_indexdef',
  'pg_get_viewdef', 'pg_get_triggerdef', 'pg_get_functiondef', 'pg_get_function_arguments', 'pg_get_function_result', 'pg_get_serial_sequence',
  'pg_get_userbyid', 'pg_table_is_visible', 'pg_type_is_visible', 'to_regclass', 'to_regtype', 'to_regnamespace', 'unnest', 'array_agg', 'string_agg',
  'array_to_string', 'quote_ident', 'coalesce', 'lower', 'upper', 'count', 'exists',
]);

/**
 * A SELECT that reads nothing but pg_catalog and information_schema (an
 * unqualified `pg_*` name is pg_catalog's: it is searched first), calling
 * only read functions, with no INTO, no FOR UPDATE and no data-modifying WITH.
 */
function readsCatalogOnly(node: unknown): boolean {
  let writes = false;
  walk(node, (type, fields) => {
    if (type === 'InsertStmt' || type === 'UpdateStmt' || type === 'DeleteStmt' || type === 'MergeStmt' || (type === 'SelectStmt' && (fields.intoClause !== undefined || fields.lockingClause !== undefined))) writes = true;
    return writes;
  });
  if (writes) return false;
  const catalog = (key: string): boolean => key.startsWith('pg_catalog.') || key.startsWith('information_schema.') || key.startsWith('public.pg_');
  return relationsOf(node).every(catalog) && calledFunctions(node).every((f) => CATALOG_READ_FUNCTIONS.has(f) || f.startsWith('svfop_'));
}
