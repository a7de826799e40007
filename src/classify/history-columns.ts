/**
 * Column types as a migration folder defines them, file after file in the
 * tool's order: a later `ALTER COLUMN ... TYPE varchar(1024)` is judged
 * against the `varchar(255)` an earlier migration created, so a widening is
 * known to be one (no data loss, and no rewrite where PostgreSQL does none)
 * without a database. Only ups are recorded — they are what built the
 * schema the next migration runs on.
 */
import { alterCmds, as, relKey, str, typeInfo, type Fields, type TypeInfo } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';
import { newColumns } from './column-defs.js';

export class HistoryColumns {
  /** `schema.table` → column → type. */
  private readonly tables = new Map<string, Map<string, TypeInfo>>();

  typeOf(table: string, column: string): TypeInfo | undefined {
    return this.tables.get(table)?.get(column);
  }

  /** What one statement of an up did to column types. */
  record(stmt: ParsedStatement): void {
    const n = stmt.node;
    const columns = newColumns(stmt);
    for (let i = 0; i < columns.length; i++) {
      const { table, def } = columns[i]!;
      const type = typeInfo(def.typeName);
      const name = str(def.colname);
      if (type && name) this.columns(table).set(name, type);
    }
    switch (stmt.kind) {
      case 'AlterTableStmt': {
        const table = relKey(n.relation);
        if (!table) return;
        const cmds = alterCmds(n);
        for (let i = 0; i < cmds.length; i++) {
          const cmd = cmds[i]!;
          const sub = str(cmd.subtype);
          const name = str(cmd.name);
          if (!name) continue;
          if (sub === 'AT_AlterColumnType') {
            const type = typeInfo(as(cmd.def, 'ColumnDef')?.typeName);
            if (type) this.columns(table).set(name, type);
            else this.columns(table).delete(name);
          } else if (sub === 'AT_DropColumn') {
            this.columns(table).delete(name);
          }
        }
        return;
      }
      case 'RenameStmt':
        this.rename(n);
        return;
      case 'DropStmt':
        if (str(n.removeType) === 'OBJECT_TABLE') {
          for (const object of (n.objects as unknown[] | undefined) ?? []) {
            const parts = ((as(object, 'List')?.items as unknown[] | undefined) ?? []).map((p) => str(as(p, 'String')?.sval)).filter((p): p is string => p !== undefined);
            if (parts.length > 0) this.tables.delete(parts.length === 1 ? `public.${parts[0]}` : `${parts.at(-2)}.${parts.at(-1)}`);
          }
        }
        return;
    }
  }

  private rename(n: Fields): void {
    const table = relKey(n.relation);
    const to = str(n.newname);
    if (!table || !to) return;
    const type = str(n.renameType);
    if (type === 'OBJECT_COLUMN') {
      const from = str(n.subname);
      const columns = this.tables.get(table);
      const known = from ? columns?.get(from) : undefined;
      if (from) columns?.delete(from);
      if (known) this.columns(table).set(to, known);
    } else if (type === 'OBJECT_TABLE') {
      const columns = this.tables.get(table);
      this.tables.delete(table);
      if (columns) this.tables.set(`${table.slice(0, table.indexOf('.'))}.${to}`, columns);
    }
  }

  private columns(table: string): Map<string, TypeInfo> {
    let columns = this.tables.get(table);
    if (!columns) {
      columns = new Map();
      this.tables.set(table, columns);
    }
    return columns;
  }
}
