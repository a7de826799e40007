/**
 * What a migration file has done so far, statement by statement: the objects
 * it created (exempt from "breaks old code" and data-loss findings, since no
 * deployed code uses them and they hold no data yet), constraints added NOT
 * VALID, explicit transaction blocks, lock_timeout settings.
 */
import { alterCmds, as, nameKey, names, relKey, str, type Fields } from './ast.js';
import type { ParsedStatement } from './parser.js';

/** Object keys: `table:public.t`, `column:public.t.c`, `index:public.i`, `type:public.e`, `schema:s`, ... */
export type ObjectKey = string;

export class FileState {
  private readonly created = new Set<ObjectKey>();
  /** `public.t.conname` of constraints added NOT VALID in this file → the column a `c IS NOT NULL` check covers (or ''). */
  private readonly notValid = new Map<string, string>();
  /** Columns (`public.t.c`) with a validated `CHECK (c IS NOT NULL)` from this file. */
  private readonly notNullChecked = new Set<string>();
  explicitTransaction = false;
  lockTimeoutSet = false;

  /** Was this object (or its table, or its schema) created earlier in the file? */
  isNew(key: ObjectKey | undefined): boolean {
    if (!key) return false;
    if (this.created.has(key)) return true;
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const name = key.slice(colon + 1);
    const schema = name.split('.')[0];
    if (schema && kind !== 'schema' && this.created.has(`schema:${schema}`)) return true;
    if (kind === 'column' || kind === 'constraint') {
      const table = name.split('.').slice(0, 2).join('.');
      return this.created.has(`table:${table}`);
    }
    return false;
  }

  addedNotValid(table: string, conname: string): boolean {
    return this.notValid.has(`${table}.${conname}`);
  }

  hasValidNotNullCheck(table: string, column: string): boolean {
    return this.notNullChecked.has(`${table}.${column}`);
  }

  /** Record what a statement did (after its rules ran: a CREATE is not exempt from its own findings). */
  record(stmt: ParsedStatement): void {
    const n = stmt.node;
    switch (stmt.kind) {
      case 'CreateStmt':
        this.mark('table', relKey(n.relation));
        break;
      case 'CreateTableAsStmt':
        this.mark('table', relKey(as(n.into, 'IntoClause')?.rel));
        break;
      case 'ViewStmt':
        this.mark('view', relKey(n.view));
        this.mark('table', relKey(n.view));
        break;
      case 'IndexStmt': {
        const table = relKey(n.relation);
        const schema = table?.split('.')[0] ?? 'public';
        if (str(n.idxname)) this.mark('index', `${schema}.${str(n.idxname)}`);
        break;
      }
      case 'CreateEnumStmt':
      case 'CreateRangeStmt':
        this.mark('type', nameKey(names(n.typeName)));
        break;
      case 'CompositeTypeStmt':
        this.mark('type', relKey(n.typevar));
        break;
      case 'CreateDomainStmt':
        this.mark('type', nameKey(names(n.domainname)));
        break;
      case 'CreateFunctionStmt':
        this.mark('function', nameKey(names(n.funcname)));
        break;
      case 'CreateSeqStmt':
        this.mark('sequence', relKey(n.sequence));
        break;
      case 'CreateSchemaStmt':
        this.mark('schema', str(n.schemaname));
        break;
      case 'CreateTrigStmt':
        this.mark('trigger', `${relKey(n.relation)}.${str(n.trigname)}`);
        break;
      case 'AlterTableStmt':
        this.recordAlterTable(n);
        break;
      case 'RenameStmt':
        this.recordRename(n);
        break;
      case 'TransactionStmt': {
        const kind = str(n.kind);
        if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') this.explicitTransaction = true;
        if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') this.explicitTransaction = false;
        break;
      }
      case 'VariableSetStmt':
        if (str(n.name) === 'lock_timeout') this.lockTimeoutSet = str(n.kind) === 'VAR_SET_VALUE';
        break;
    }
  }

  private mark(kind: string, name: string | undefined): void {
    if (name) this.created.add(`${kind}:${name}`);
  }

  private recordAlterTable(n: Fields): void {
    const table = relKey(n.relation);
    if (!table) return;
    for (const cmd of alterCmds(n)) {
      const subtype = str(cmd.subtype);
      if (subtype === 'AT_AddColumn') {
        this.mark('column', `${table}.${str(as(cmd.def, 'ColumnDef')?.colname)}`);
      } else if (subtype === 'AT_AddConstraint') {
        const con = as(cmd.def, 'Constraint');
        const conname = str(con?.conname);
        if (con && conname && con.skip_validation) {
          this.notValid.set(`${table}.${conname}`, str(con.contype) === 'CONSTR_CHECK' ? (notNullCheckColumn(con.raw_expr) ?? '') : '');
        }
        if (conname) this.mark('constraint', `${table}.${conname}`);
      } else if (subtype === 'AT_ValidateConstraint') {
        const column = this.notValid.get(`${table}.${str(cmd.name)}`);
        if (column) this.notNullChecked.add(`${table}.${column}`);
      }
    }
  }

  private recordRename(n: Fields): void {
    const type = str(n.renameType);
    const newname = str(n.newname);
    if (!newname) return;
    const table = relKey(n.relation);
    if (type === 'OBJECT_TABLE' && table && this.isNew(`table:${table}`)) this.mark('table', `${table.split('.')[0]}.${newname}`);
    if (type === 'OBJECT_COLUMN' && table && this.isNew(`column:${table}.${str(n.subname)}`)) this.mark('column', `${table}.${newname}`);
  }
}

/** `col IS NOT NULL` → 'col' (the CHECK that lets SET NOT NULL skip its scan on PostgreSQL 12+). */
export function notNullCheckColumn(expr: unknown): string | undefined {
  const test = as(expr, 'NullTest');
  if (!test || str(test.nulltesttype) !== 'IS_NOT_NULL') return undefined;
  const fields = names(as(test.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}

