/** Column definitions a statement introduces (CREATE TABLE columns and ALTER TABLE ADD COLUMN), for type lints. */
import { alterCmds, as, createdRelKey, memoOnNode, nodesOf, relKey, str, type Fields } from '../sql/ast.js';
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
  const table = (stmt.kind === 'CreateStmt' ? createdRelKey(stmt.node.relation) : relKey(stmt.node.relation)) ?? '?';
  if (stmt.kind === 'CreateStmt') {
    const defs = nodesOf(stmt.node.tableElts, 'ColumnDef');
    for (let i = 0; i < defs.length; i++) out.push({ table, def: defs[i]! });
    return out;
  }
  // The statement's commands as alterCmds reads them once for every rule.
  const cmds = alterCmds(stmt.node);
  for (let i = 0; i < cmds.length; i++) {
    if (str(cmds[i]!.subtype) !== 'AT_AddColumn') continue;
    const def = as(cmds[i]!.def, 'ColumnDef');
    if (def !== undefined) out.push({ table, def });
  }
  return out;
}
