/**
 * What a migration file has done so far, statement by statement: the objects
 * it created (exempt from "breaks old code" and data-loss findings, since no
 * deployed code uses them and they hold no data yet), constraints added NOT
 * VALID, explicit transaction blocks, lock_timeout settings, and the new
 * objects it filled with data (a backfilled column, a seeded table).
 *
 * For code migrations the catalog diff seeds the created objects too: a
 * column added by a DO block or a helper the statements do not show is still
 * the migration's own when a later UPDATE fills it.
 */
import { alterCmds, as, columnConstraints, createdRelKey, list, nameKey, names, objectNameParts, relKey, str, typeNameParts, type Fields } from '../sql/ast.js';
import { checksCreatedBy, type CreatedCheck } from './check-constraints.js';
import { newColumns } from './column-defs.js';
import { dropKeys } from './rule-helpers.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { Fill } from './types.js';
import { rowWrites } from './writes.js';

/** Object keys: `table:public.t`, `column:public.t.c`, `index:public.i`, `type:public.e`, `schema:s`, ... */
export type ObjectKey = string;

/** A CHECK's condition as it stood before the file (earlier migrations, the live schema), by table and name. */
export type CheckLookup = (table: string, name: string) => unknown;

export class FileState {
  private readonly created: Set<ObjectKey>;
  /** CHECK conditions the file added, by `public.t.name` (a later drop in the file knows what it drops). */
  private readonly fileChecks = new Map<string, unknown>();
  /** Conditions of the CHECKs the file dropped, by table, where known. */
  private readonly droppedChecks = new Map<string, unknown[]>();
  /** New objects the file filled with data, in statement order. */
  readonly fills: Fill[] = [];
  /** `public.t.conname` of constraints added NOT VALID in this file → the column a `c IS NOT NULL` check covers (or ''). */
  private readonly notValid = new Map<string, string>();
  /** Columns (`public.t.c`) with a validated `CHECK (c IS NOT NULL)` from this file. */
  private readonly notNullChecked = new Set<string>();
  /** Indexes (`public.i`) the file dropped with IF EXISTS: a later CREATE INDEX … IF NOT EXISTS of one cannot meet a leftover. */
  private readonly droppedIfExists = new Set<string>();
  /** Types renamed aside and their names taken by another type later in the file (`public.X`), and the old ones' new names (`public.X_old`). */
  private readonly swappedTypes = new Set<string>();
  private readonly typesSetAside = new Set<string>();
  /** Columns this file added to tables it did not create, with nothing to fill them: NULL in every row the previous app writes. */
  private readonly nullForOldWrites = new Set<string>();
  /** Enum values added in the transaction block still open (value → `enum public.t`): unusable until it commits. */
  private readonly newEnumValues = new Map<string, string>();
  explicitTransaction = false;
  lockTimeoutSet = false;
  /** Enum types the file created (`public.X_new`). */
  private readonly enums = new Set<string>();
  /** The file's statements (noteTypeSwaps), and the index of the one being judged. */
  private statements: readonly ParsedStatement[] = [];
  private position = 0;

  /** How many of `created` are schemas. */
  private schemas = 0;

  /**
   * `created`: objects known to be new before the first statement (from a catalog diff).
   * `checkBefore`: the CHECK conditions the file starts with, where known.
   */
  constructor(
    created: Iterable<ObjectKey> = [],
    private readonly checkBefore: CheckLookup = () => undefined,
  ) {
    this.created = new Set(created);
    for (const key of this.created) if (key.startsWith('schema:')) this.schemas++;
  }

  /** Has the file created anything yet (else nothing it touches is new)? */
  get createdAny(): boolean {
    return this.created.size > 0;
  }

  /** Was this object (or its table, or its schema) created earlier in the file? */
  isNew(key: ObjectKey | undefined): boolean {
    if (!key || this.created.size === 0) return false;
    if (this.created.has(key)) return true;
    // Read with indexOf, not split: this runs for every finding and every write.
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const firstDot = key.indexOf('.', colon + 1);
    // Only a file that created a schema has objects new by their schema.
    if (this.schemas > 0 && kind !== 'schema') {
      const schema = key.slice(colon + 1, firstDot === -1 ? undefined : firstDot);
      if (schema && this.created.has(`schema:${schema}`)) return true;
    }
    if (kind === 'column' || kind === 'constraint') {
      const secondDot = firstDot === -1 ? -1 : key.indexOf('.', firstDot + 1);
      return this.created.has(`table:${key.slice(colon + 1, secondDot === -1 ? undefined : secondDot)}`);
    }
    return false;
  }

  /** Every object known to be new so far: those given, and those the recorded statements created. */
  createdKeys(): ObjectKey[] {
    return [...this.created];
  }

  addedNotValid(table: string, conname: string): boolean {
    return this.notValid.has(`${table}.${conname}`);
  }

  hasValidNotNullCheck(table: string, column: string): boolean {
    return this.notNullChecked.has(`${table}.${column}`);
  }

  /** A CHECK's condition at this point of the file (added earlier in it, else as it stood before the file), if known. */
  checkDefinition(table: string, name: string): unknown {
    const key = `${table}.${name}`;
    return this.fileChecks.has(key) ? this.fileChecks.get(key) : this.checkBefore(table, name);
  }

  /** The conditions of the CHECKs on `table` this file dropped so far (those known). */
  droppedCheckConditions(table: string): readonly unknown[] {
    return this.droppedChecks.get(table) ?? [];
  }

  droppedIndexIfExists(index: string): boolean {
    return this.droppedIfExists.has(index);
  }

  /** Does the statement write only into what this file created (new tables, new columns of old tables)? */
  writesOnlyNew(stmt: ParsedStatement): boolean {
    const writes = rowWrites(stmt);
    if (!writes) return false;
    if (this.isNew(`table:${writes.table}`)) return true;
    return !writes.deletes && writes.updates.length > 0 && writes.updates.every((c) => this.isNew(`column:${writes.table}.${c}`));
  }

  /**
   * Read the whole file for type swaps before its first statement: `ALTER TYPE X RENAME TO X_old`, then another
   * type renamed to X (Prisma's enum value-removal dance, hand-written enum rebuilds) or a new X created (TypeORM's
   * generated enum change: `CREATE TYPE X AS ENUM (...)`, the column moved onto it, `DROP TYPE X_old`). The name X never goes away,
   * so renaming it aside breaks no code, and dropping X_old afterwards drops no name code uses; what changed is the
   * values, which the column type change in between is judged on.
   */
  noteTypeSwaps(statements: readonly ParsedStatement[]): void {
    this.statements = statements;
    const renamedAway = new Map<string, string>();
    for (const stmt of statements) {
      if (stmt.kind === 'CreateEnumStmt') {
        const created = nameKey(names(stmt.node.typeName));
        const aside = created === undefined ? undefined : renamedAway.get(created);
        if (created !== undefined && aside !== undefined) {
          this.swappedTypes.add(created);
          this.typesSetAside.add(aside);
        }
        continue;
      }
      if (stmt.kind !== 'RenameStmt') continue;
      const kind = str(stmt.node.renameType);
      if (kind !== 'OBJECT_TYPE' && kind !== 'OBJECT_DOMAIN') continue;
      const parts = objectNameParts(stmt.node);
      const from = nameKey(parts);
      const newname = str(stmt.node.newname);
      if (!from || !newname) continue;
      const to = `${from.slice(0, from.lastIndexOf('.'))}.${newname}`;
      const aside = renamedAway.get(to);
      if (aside !== undefined) {
        this.swappedTypes.add(to);
        this.typesSetAside.add(aside);
      }
      renamedAway.set(from, to);
    }
  }

  /**
   * Does a later statement of the file set a default on this column (`public.t.c`) again before the transaction
   * block ends (a COMMIT or ROLLBACK)? An enum rebuild drops the default, changes the type, then sets it back.
   */
  defaultSetAgainInBlock(column: string): boolean {
    for (let i = this.position + 1; i < this.statements.length; i++) {
      const stmt = this.statements[i]!;
      if (stmt.kind === 'TransactionStmt' && /COMMIT|ROLLBACK|PREPARE/.test(str(stmt.node.kind) ?? '')) return false;
      if (stmt.kind !== 'AlterTableStmt') continue;
      const table = relKey(stmt.node.relation);
      if (alterCmds(stmt.node).some((c) => str(c.subtype) === 'AT_ColumnDefault' && c.def !== undefined && `${table}.${str(c.name)}` === column)) return true;
    }
    return false;
  }

  /** Did the file create this enum type (`public.X_new`)? */
  createdEnum(key: string): boolean {
    return this.enums.has(key);
  }

  /** Is this type (`public.X`) renamed aside only for another type to take its name later in the file? */
  typeNameKept(key: string): boolean {
    return this.swappedTypes.has(key);
  }

  /**
   * Was this column (`public.t.c`) added by the file with no default, identity or generation, so that every row the
   * previous app version writes holds NULL in it (it does not know the column)? A unique index on such columns
   * cannot refuse those writes: NULLs are distinct.
   */
  nullForPreviousApp(column: string): boolean {
    return this.nullForOldWrites.has(column);
  }

  /** Is this type (`public.X_old`) the old one a swap set aside? */
  typeSetAside(key: string): boolean {
    return this.typesSetAside.has(key);
  }

  /** The enum values added in the transaction block still open, each with the enum that gained it. */
  uncommittedEnumValues(): ReadonlyMap<string, string> {
    return this.newEnumValues;
  }

  /**
   * Record what a statement did (after its rules ran: a CREATE is not exempt from its own findings).
   * `inTransaction`: it ran inside a transaction block (what it did is committed only when that block ends).
   */
  record(stmt: ParsedStatement, inTransaction = false): void {
    if (this.statements[this.position] === stmt) this.position++;
    const n = stmt.node;
    switch (stmt.kind) {
      case 'AlterEnumStmt': {
        const value = str(n.newVal);
        if (inTransaction && !n.oldVal && value !== undefined) this.newEnumValues.set(value, `enum ${names(n.typeName).join('.')}`);
        break;
      }
      case 'CreateStmt':
        this.mark('table', createdRelKey(n.relation));
        this.markSequences(stmt);
        this.recordChecks(checksCreatedBy(stmt));
        break;
      case 'CreateTableAsStmt': {
        // The parser gives `into` as a bare IntoClause here.
        const table = createdRelKey((as(n.into, 'IntoClause') ?? (n.into as Fields | undefined))?.rel);
        this.mark('table', table);
        if (table && str(n.objtype) !== 'OBJECT_MATVIEW') this.fills.push(fill(stmt, 'table', table, null, []));
        break;
      }
      case 'UpdateStmt':
      case 'InsertStmt':
      case 'MergeStmt':
        this.recordFill(stmt);
        break;
      case 'SelectStmt': {
        // SELECT ... INTO [TEMP] t creates t.
        const into = (as(n.intoClause, 'IntoClause') ?? (n.intoClause as Fields | undefined))?.rel;
        if (into) this.mark('table', createdRelKey(into));
        break;
      }
      case 'ViewStmt':
        this.mark('view', createdRelKey(n.view));
        this.mark('table', createdRelKey(n.view));
        break;
      case 'IndexStmt': {
        const table = relKey(n.relation);
        const schema = table === undefined ? 'public' : table.slice(0, table.indexOf('.'));
        if (str(n.idxname)) this.mark('index', `${schema}.${str(n.idxname)}`);
        break;
      }
      case 'CreateEnumStmt':
        this.mark('type', nameKey(names(n.typeName)));
        this.enums.add(nameKey(names(n.typeName)) ?? '');
        break;
      case 'CreateRangeStmt':
        this.mark('type', nameKey(names(n.typeName)));
        break;
      case 'CompositeTypeStmt':
        this.mark('type', createdRelKey(n.typevar));
        break;
      case 'CreateDomainStmt':
        this.mark('type', nameKey(names(n.domainname)));
        break;
      case 'CreateFunctionStmt':
        this.mark('function', nameKey(names(n.funcname)));
        break;
      case 'CreateSeqStmt':
        this.mark('sequence', createdRelKey(n.sequence));
        break;
      case 'CreateSchemaStmt':
        this.mark('schema', str(n.schemaname));
        break;
      case 'CreateTrigStmt':
        this.mark('trigger', `${relKey(n.relation)}.${str(n.trigname)}`);
        break;
      case 'AlterTableStmt':
        this.recordAlterTable(n, stmt);
        this.markSequences(stmt);
        break;
      case 'RenameStmt':
        this.recordRename(n);
        break;
      case 'TransactionStmt': {
        const kind = str(n.kind);
        if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') this.explicitTransaction = true;
        if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
          this.explicitTransaction = false;
          this.newEnumValues.clear();
        }
        break;
      }
      case 'DropStmt':
        if (str(n.removeType) === 'OBJECT_INDEX' && n.missing_ok) for (const key of dropKeys(n)) this.droppedIfExists.add(key);
        break;
      case 'VariableSetStmt':
        if (str(n.name) === 'lock_timeout') this.lockTimeoutSet = str(n.kind) === 'VAR_SET_VALUE';
        break;
    }
  }

  private mark(kind: string, name: string | undefined): void {
    if (!name) return;
    const key = `${kind}:${name}`;
    if (kind === 'schema' && !this.created.has(key)) this.schemas++;
    this.created.add(key);
  }

  /** serial and identity columns create their sequence (`table_column_seq`) with them. */
  private markSequences(stmt: ParsedStatement): void {
    const columns = newColumns(stmt);
    for (let i = 0; i < columns.length; i++) {
      const { table, def } = columns[i]!;
      if (isSerial(def.typeName) || hasInlineConstraint(def, 'CONSTR_IDENTITY')) this.mark('sequence', `${table}_${str(def.colname)}_seq`);
    }
  }

  private recordFill(stmt: ParsedStatement): void {
    const writes = rowWrites(stmt);
    if (!writes || !this.writesOnlyNew(stmt)) return;
    if (this.isNew(`table:${writes.table}`)) {
      // The same INSERT sent once per row (parameterised seeds) is one way of filling the table.
      if (stmt.kind === 'InsertStmt' && !this.fills.some((f) => f.object === 'table' && f.table === writes.table && f.sql === stmt.sql)) {
        this.fills.push(fill(stmt, 'table', writes.table, null, insertColumns(stmt.node)));
      }
      return;
    }
    if (stmt.kind !== 'UpdateStmt') return;
    for (const column of writes.updates) this.fills.push(fill(stmt, 'column', writes.table, column, []));
  }

  private recordAlterTable(n: Fields, stmt: ParsedStatement): void {
    const table = relKey(n.relation);
    if (!table) return;
    const cmds = alterCmds(n);
    let adds = false;
    for (let i = 0; i < cmds.length; i++) {
      const cmd = cmds[i]!;
      const subtype = str(cmd.subtype);
      if (subtype === 'AT_AddColumn') {
        adds = true;
        const def = as(cmd.def, 'ColumnDef');
        this.mark('column', `${table}.${str(def?.colname)}`);
        const filled = def?.raw_default !== undefined || isSerial(def?.typeName) || ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].some((c) => hasInlineConstraint(def, c));
        if (!filled && !this.isNew(`table:${table}`)) this.nullForOldWrites.add(`${table}.${str(def?.colname)}`);
      } else if (subtype === 'AT_ColumnDefault' && cmd.def !== undefined) {
        this.nullForOldWrites.delete(`${table}.${str(cmd.name)}`);
      } else if (subtype === 'AT_AddConstraint') {
        adds = true;
        const con = as(cmd.def, 'Constraint');
        const conname = str(con?.conname);
        if (con && conname && con.skip_validation) {
          this.notValid.set(`${table}.${conname}`, str(con.contype) === 'CONSTR_CHECK' ? (notNullCheckColumn(con.raw_expr) ?? '') : '');
        }
        if (conname) this.mark('constraint', `${table}.${conname}`);
      } else if (subtype === 'AT_DropConstraint') {
        const name = str(cmd.name);
        const condition = name === undefined ? undefined : this.checkDefinition(table, name);
        if (condition !== undefined) {
          const dropped = this.droppedChecks.get(table) ?? [];
          dropped.push(condition);
          this.droppedChecks.set(table, dropped);
          this.fileChecks.set(`${table}.${name}`, undefined);
        }
      } else if (subtype === 'AT_ValidateConstraint') {
        const column = this.notValid.get(`${table}.${str(cmd.name)}`);
        if (column) this.notNullChecked.add(`${table}.${column}`);
      }
    }
    // Recorded after the statement's drops: `DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (...)` replaces c.
    if (adds) this.recordChecks(checksCreatedBy(stmt));
  }

  private recordChecks(added: readonly CreatedCheck[]): void {
    for (let i = 0; i < added.length; i++) this.fileChecks.set(`${added[i]!.table}.${added[i]!.name}`, added[i]!.expr);
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

function fill(stmt: ParsedStatement, object: Fill['object'], table: string, column: string | null, columns: string[]): Fill {
  const rel = as(stmt.node.relation, 'RangeVar') ?? (stmt.node.relation as Fields | undefined);
  const alias = str((as(rel?.alias, 'Alias') ?? (rel?.alias as Fields | undefined))?.aliasname) ?? null;
  return { object, table, column, columns, alias, kind: stmt.kind, sql: stmt.sql, line: stmt.line };
}

/** serial, bigserial, smallserial (serial2/4/8): read straight from the name, as this runs for every new column. */
function isSerial(typeName: unknown): boolean {
  const parts = typeNameParts(typeName);
  return parts.length === 1 && /^(small|big)?serial[248]?$/i.test(parts[0]!);
}

/** An INSERT's explicit column list (empty when it has none). */
function insertColumns(node: Fields): string[] {
  return list(node.cols)
    .map((c) => str(as(c, 'ResTarget')?.name))
    .filter((c): c is string => c !== undefined);
}

/** `col IS NOT NULL` → 'col' (the CHECK that lets SET NOT NULL skip its scan on PostgreSQL 12+). */
export function notNullCheckColumn(expr: unknown): string | undefined {
  const test = as(expr, 'NullTest');
  if (!test || str(test.nulltesttype) !== 'IS_NOT_NULL') return undefined;
  const fields = names(as(test.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}


/** Columns declared inline with a constraint type in a CREATE TABLE / ADD COLUMN. */
function hasInlineConstraint(columnDef: Fields | undefined, contype: string): boolean {
  return columnConstraints(columnDef).some((c) => str(c.contype) === contype);
}
