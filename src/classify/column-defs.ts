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

/** Loops, not map and filter: read for every CREATE and ALTER TABLE of a history, mostly before V8 optimises it. */
function readNewColumns(stmt: ParsedStatement): NewColumn[] {
  const out: NewColumn[] = [];
  if (stmt.kind !== 'CreateStmt' && stmt.kind !== 'AlterTableStmt') return out;
  const table = relKey(stmt.node.relation) ?? '?';
  if (stmt.kind === 'CreateStmt') {
    const elts = list(stmt.node.tableElts);
    for (let i = 0; i < elts.length; i++) {
      const def = as(elts[i], 'ColumnDef');
      if (def !== undefined) out.push({ table, def });
    }
    return out;
  }
  const cmds = list(stmt.node.cmds);
  for (let i = 0; i < cmds.length; i++) {
    const cmd = as(cmds[i], 'AlterTableCmd');
    if (str(cmd?.subtype) !== 'AT_AddColumn') continue;
    const def = as(cmd?.def, 'ColumnDef');
    if (def !== undefined) out.push({ table, def });
  }
  return out;
}
