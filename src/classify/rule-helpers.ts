/** Small readers shared by rules (which statement parts a rule is about, and how to name them). */
import { alterCmds, as, display, isTableAlter, list, memoOnNode, relKey, str, type Fields } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';

export interface TableCmd {
  /** `schema.table` */
  table: string;
  cmd: Fields;
}

/** ALTER TABLE subcommands of the given subtypes (tables only: not indexes, views, sequences, types). */
export function tableCmds(stmt: ParsedStatement, ...subtypes: string[]): TableCmd[] {
  if (stmt.kind !== 'AlterTableStmt') return [];
  const all = allTableCmds(stmt.node);
  if (all.length === 0) return all;
  // A loop, not filter and includes: some 35 rules ask this of every ALTER TABLE, mostly before V8 optimises it.
  const out: TableCmd[] = [];
  for (let i = 0; i < all.length; i++) {
    if (subtypes.includes(str(all[i]!.cmd.subtype) ?? '')) out.push(all[i]!);
  }
  return out;
}

const TABLE_CMDS = Symbol('tableCmds');

/** Every subcommand of a table ALTER with its table, worked out once per statement. */
function allTableCmds(node: Fields): TableCmd[] {
  return memoOnNode(node, TABLE_CMDS, readTableCmds);
}

function readTableCmds(node: Fields): TableCmd[] {
  const table = isTableAlter(node) ? relKey(node.relation) : undefined;
  return table ? alterCmds(node).map((cmd) => ({ table, cmd })) : [];
}

/** Qualified keys (`schema.name`) of a DROP statement's objects. */
export function dropKeys(node: Fields): string[] {
  return list(node.objects).map((obj) => {
    const parts = list(as(obj, 'List')?.items ?? [obj]).map((i) => str(as(i, 'String')?.sval) ?? '');
    if (parts.length === 1) return `public.${parts[0]}`;
    return parts.slice(-2).join('.');
  });
}

export const col = (table: string, column: unknown): string => `column:${table}.${String(column)}`;
export const tbl = (table: string): string => `table:${table}`;

/** `public.t` + `c` → `t.c` for messages. */
export const colName = (table: string, column: unknown): string => `${display(table)}.${String(column)}`;

export { display };
