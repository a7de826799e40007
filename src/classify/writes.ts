/**
 * What a data-changing statement writes: the table, and which of its columns
 * get new values in rows that already exist. The question behind it: does the
 * statement change values that were there before the migration, or only fill
 * what the migration itself just created (a backfill of a new column)?
 */
import { as, list, nodesOf, relKey, str, type Fields } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';

export interface RowWrites {
  /** `schema.table` */
  table: string;
  /** Columns assigned in existing rows (UPDATE SET, MERGE ... UPDATE SET, ON CONFLICT DO UPDATE SET). */
  updates: string[];
  /** Existing rows may be deleted (MERGE ... THEN DELETE). */
  deletes: boolean;
  /** Rows are inserted (INSERT, MERGE ... THEN INSERT). */
  inserts: boolean;
}

/** The row writes of an UPDATE, MERGE or INSERT; undefined for other statements. */
export function rowWrites(stmt: ParsedStatement): RowWrites | undefined {
  const table = relKey(stmt.node.relation);
  if (!table) return undefined;
  const n = stmt.node;
  switch (stmt.kind) {
    case 'UpdateStmt':
      return { table, updates: targetNames(n.targetList), deletes: false, inserts: false };
    case 'InsertStmt': {
      // libpg-query leaves this node unwrapped.
      const conflict = as(n.onConflictClause, 'OnConflictClause') ?? (n.onConflictClause as Fields | undefined);
      const upsert = str(conflict?.action) === 'ONCONFLICT_UPDATE';
      return { table, updates: upsert ? targetNames(conflict?.targetList) : [], deletes: false, inserts: true };
    }
    case 'MergeStmt': {
      const out: RowWrites = { table, updates: [], deletes: false, inserts: false };
      for (const clause of list(n.mergeWhenClauses).map((c) => as(c, 'MergeWhenClause'))) {
        const command = str(clause?.commandType);
        if (command === 'CMD_UPDATE') out.updates.push(...targetNames(clause?.targetList));
        if (command === 'CMD_DELETE') out.deletes = true;
        if (command === 'CMD_INSERT') out.inserts = true;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** SET targets by column name (`SET a = 1, (b, c) = (...)`), without subscripts or field selections. */
function targetNames(targetList: unknown): string[] {
  const out: string[] = [];
  const targets = nodesOf(targetList, 'ResTarget');
  for (let i = 0; i < targets.length; i++) {
    const name = str(targets[i]!.name);
    if (name !== undefined) out.push(name);
  }
  return out;
}
