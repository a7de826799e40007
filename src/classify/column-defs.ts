/** Column definitions a statement introduces (CREATE TABLE columns and ALTER TABLE ADD COLUMN), for type lints. */
import { as, list, memoOnNode, relKey, str, type Fields } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';

export interface NewColumn {
  table: string;
  def: Fields;
}

/** Several type lints and the file state read the same statement's columns: read once per statement. */
const NEW_COLUMNS = Symbol('newColumns');

export function newColumns(stmt: ParsedStatement): readonly NewColumn[] {
  return memoOnNode(stmt, NEW_COLUMNS, readNewColumns);
}

function readNewColumns(stmt: ParsedStatement): NewColumn[] {
  const table = relKey(stmt.node.relation) ?? '?';
  if (stmt.kind === 'CreateStmt') {
    return list(stmt.node.tableElts)
      .map((e) => as(e, 'ColumnDef'))
      .filter((d): d is Fields => d !== undefined)
      .map((def) => ({ table, def }));
  }
  if (stmt.kind === 'AlterTableStmt') {
    return list(stmt.node.cmds)
      .map((c) => as(c, 'AlterTableCmd'))
      .filter((c) => str(c?.subtype) === 'AT_AddColumn')
      .map((c) => as(c?.def, 'ColumnDef'))
      .filter((d): d is Fields => d !== undefined)
      .map((def) => ({ table, def }));
  }
  return [];
}
