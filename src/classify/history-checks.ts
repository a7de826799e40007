/**
 * CHECK constraints as a migration folder defines them, file after file in
 * the tool's order (as history-columns.ts does for column types): a later
 * migration that drops `orders_status_check` and adds it again with one value
 * more is judged against the values the earlier migration allowed — a
 * widening, not a new constraint old code may violate. Only ups are recorded.
 */
import { alterCmds, createdRelKey, relKey, str, type Fields } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';
import { checksCreatedBy, columnsRead } from './check-constraints.js';
import { dropKeys } from './rule-helpers.js';

export class HistoryChecks {
  /** `schema.table` → constraint name → condition (the parser's tree). */
  private readonly tables = new Map<string, Map<string, unknown>>();

  definition(table: string, name: string): unknown {
    return this.tables.get(table)?.get(name);
  }

  /** What one statement of an up did to CHECK constraints. */
  record(stmt: ParsedStatement): void {
    const n = stmt.node;
    // Until a CHECK is known there is nothing to drop, rename or forget: most histories' statements stop here.
    const known = this.tables.size > 0;
    switch (stmt.kind) {
      case 'CreateStmt':
      case 'AlterTableStmt': {
        if (known && stmt.kind === 'CreateStmt') this.tables.delete(createdRelKey(n.relation) ?? '');
        else if (known) this.recordDrops(n);
        const added = checksCreatedBy(stmt);
        for (let i = 0; i < added.length; i++) this.checks(added[i]!.table).set(added[i]!.name, added[i]!.expr);
        return;
      }
      case 'RenameStmt':
        if (known) this.rename(n);
        return;
      case 'DropStmt':
        if (known && str(n.removeType) === 'OBJECT_TABLE') for (const table of dropKeys(n)) this.tables.delete(table);
        return;
    }
  }

  private recordDrops(n: Fields): void {
    const table = relKey(n.relation);
    const checks = table === undefined ? undefined : this.tables.get(table);
    if (!checks) return;
    for (const cmd of alterCmds(n)) {
      const subtype = str(cmd.subtype);
      const name = str(cmd.name);
      if (name === undefined) continue;
      if (subtype === 'AT_DropConstraint') checks.delete(name);
      // A dropped column takes the constraints that read it along.
      if (subtype === 'AT_DropColumn') for (const [con, expr] of checks) if (columnsRead(expr).has(name)) checks.delete(con);
      // A constraint whose column changes type is rewritten by PostgreSQL: its old text no longer says what it allows.
      if (subtype === 'AT_AlterColumnType') for (const [con, expr] of checks) if (columnsRead(expr).has(name)) checks.delete(con);
    }
  }

  private rename(n: Fields): void {
    const table = relKey(n.relation);
    const to = str(n.newname);
    if (!table || !to) return;
    const type = str(n.renameType);
    const checks = this.tables.get(table);
    if (type === 'OBJECT_TABLE') {
      this.tables.delete(table);
      if (checks) this.tables.set(`${table.slice(0, table.indexOf('.'))}.${to}`, checks);
    } else if (type === 'OBJECT_TABCONSTRAINT') {
      const from = str(n.subname);
      const expr = from === undefined ? undefined : checks?.get(from);
      if (from !== undefined) checks?.delete(from);
      if (expr !== undefined) this.checks(table).set(to, expr);
    } else if (type === 'OBJECT_COLUMN') {
      // The conditions still name the old column: forget them rather than compare them wrongly.
      const from = str(n.subname);
      if (checks && from !== undefined) for (const [con, expr] of checks) if (columnsRead(expr).has(from)) checks.delete(con);
    }
  }

  private checks(table: string): Map<string, unknown> {
    let checks = this.tables.get(table);
    if (!checks) {
      checks = new Map();
      this.tables.set(table, checks);
    }
    return checks;
  }
}
