/**
 * The tables migrations touched, read from their SQL: what their DDL altered,
 * renamed, indexed, created or dropped, and what their data statements wrote
 * (UPDATE, INSERT, MERGE, DELETE, TRUNCATE). A restore plan offers to bring
 * back only these (`restore --before-migration X --tables ...`), keeping
 * every later write to the other tables, when they are few and all existed
 * before the migrations.
 */
import { rowWrites } from '../../classify/writes.js';
import { alterCmds, as, list, names, str, type Fields } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parser.js';
import { formatTableRef } from '../../verify/baseline.js';

export interface TouchedTables {
  /**
   * `schema.table` as `--tables` and parseTableRefs read it (formatTableRef: a part holding capitals or
   * dots is quoted, `public."Orders"`), tables that existed before the migrations and that they changed. */
  existing: string[];
  /** Tables the migrations created (nothing to bring back: they did not exist before). */
  created: string[];
  /**
   * Of `existing`, those whose definition the migrations changed (altered,
   * renamed, indexed, given a trigger): swapped back in place they would
   * have their old shape while the tool's history still records the
   * migrations as applied.
   */
  reshaped: string[];
  /**
   * Of `existing`, columns the migrations dropped (and did not add back): the live table no longer has them,
   * so values copied back from a recovered table need the column re-added first.
   */
  droppedColumns: Array<{ table: string; column: string }>;
  /** Of `existing`, tables the migrations dropped: there is no live table to copy values into. */
  droppedTables: string[];
}

/** At most this many tables make a table-level restore worth recommending first. */
export const FEW_TABLES = 5;

export function touchedTables(statements: readonly ParsedStatement[]): TouchedTables {
  const touched = new Set<string>();
  const created = new Set<string>();
  const reshaped = new Set<string>();
  /** `table` → its dropped columns, in statement order (an ADD COLUMN of the name later takes it off). */
  const droppedColumns = new Map<string, Set<string>>();
  const droppedTables = new Set<string>();
  for (const stmt of statements) {
    const n = stmt.node;
    const writes = rowWrites(stmt);
    const written = writes ? refOf(n.relation) : undefined;
    if (written) touched.add(written);
    switch (stmt.kind) {
      case 'CreateStmt':
      case 'CreateTableAsStmt': {
        const key = refOf(n.relation ?? (n.into as Record<string, unknown> | undefined)?.rel);
        if (key) created.add(key);
        break;
      }
      case 'AlterTableStmt':
      case 'IndexStmt':
      case 'DeleteStmt':
      case 'RenameStmt':
      case 'CreateTrigStmt': {
        const key = refOf(n.relation);
        if (key) touched.add(key);
        if (key && stmt.kind !== 'DeleteStmt') reshaped.add(key);
        if (key && stmt.kind === 'AlterTableStmt') recordColumnDrops(key, n, droppedColumns);
        break;
      }
      case 'TruncateStmt':
        for (const r of list(n.relations)) {
          const key = refOf(r);
          if (key) touched.add(key);
        }
        break;
      case 'DropStmt':
        if (n.removeType === 'OBJECT_TABLE') {
          for (const object of list(n.objects)) {
            // Each dropped name is a List of its qualified parts.
            const parts = names(as(object, 'List')?.items ?? object);
            const key = parts.length > 0 ? formatTableRef({ schema: parts.length > 1 ? parts.at(-2)! : 'public', table: parts.at(-1)! }) : undefined;
            if (key) touched.add(key);
            if (key) reshaped.add(key);
            if (key) droppedTables.add(key);
          }
        }
        break;
      default:
        break;
    }
  }
  const existing = [...touched].filter((t) => !created.has(t)).sort();
  return {
    existing,
    created: [...created].sort(),
    reshaped: existing.filter((t) => reshaped.has(t)),
    droppedColumns: existing.filter((t) => !droppedTables.has(t)).flatMap((table) => [...(droppedColumns.get(table) ?? [])].map((column) => ({ table, column }))),
    droppedTables: existing.filter((t) => droppedTables.has(t)),
  };
}

/** ALTER TABLE's DROP COLUMNs, and ADD COLUMNs that bring a dropped name back. */
function recordColumnDrops(table: string, node: Fields, dropped: Map<string, Set<string>>): void {
  for (const cmd of alterCmds(node)) {
    const subtype = str(cmd.subtype);
    const column = subtype === 'AT_DropColumn' ? str(cmd.name) : subtype === 'AT_AddColumn' ? str(as(cmd.def, 'ColumnDef')?.colname) : undefined;
    if (column === undefined) continue;
    if (subtype === 'AT_DropColumn') {
      if (!dropped.has(table)) dropped.set(table, new Set());
      dropped.get(table)!.add(column);
    } else {
      dropped.get(table)?.delete(column);
    }
  }
}

/** A RangeVar as formatTableRef writes it (unqualified names taken as `public`). */
function refOf(rangeVar: unknown): string | undefined {
  const rv = (as(rangeVar, 'RangeVar') ?? rangeVar) as Fields | undefined;
  const table = str(rv?.relname);
  return table ? formatTableRef({ schema: str(rv?.schemaname) ?? 'public', table }) : undefined;
}
