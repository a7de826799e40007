/**
 * Rows a migration's own statements would reject, asked before they run: the
 * downs `undo` runs (and `plan` lists), the pending ups `migrate` applies
 * (migrate/preflight.ts). A statement that adds a CHECK, a NOT NULL, a UNIQUE
 * or PRIMARY KEY, or a FOREIGN KEY validates every row the table holds now —
 * rows the app wrote since (a `status` of `'shipped'` a CHECK narrowed back no
 * longer allows, a NULL in a column made NOT NULL, a duplicate a unique index
 * refuses). PostgreSQL then stops the migration partway: for undo after it has
 * taken its backup, paused traffic and waited for its locks; for migrate
 * outside a transaction with part of it done. A unique index may be partial
 * or on expressions (its WHERE and keys written back by expr-text); a FOREIGN
 * KEY naming no referenced columns is asked against the referenced table's
 * primary key, read from the catalog. Here each such statement is asked of
 * the live database first, read-only (`plan` reports it; `undo` and `migrate`
 * refuse before they touch anything).
 *
 * A statement is checked against the table as it is now only where nothing
 * the run does before it changes that table (an earlier UPDATE, a column type
 * change, a DO block): otherwise the answer would be about another table than
 * the one it meets, and it is reported as not checked, with why.
 */
import type { Db } from '../../db/connection.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../db/connection.js';
import { alterCmds, as, isTableAlter, list, names, relKey, splitRelKey, str, typeNameParts, type Fields } from '../../sql/ast.js';
import { columnsRead } from '../../classify/check-constraints.js';
import { exprText, typeNameText } from '../../sql/expr-text.js';
import type { ParsedStatement } from '../../sql/parser.js';

export type BlockerKind = 'check' | 'not-null' | 'unique' | 'primary-key' | 'foreign-key' | 'type';

/** A migration's statement that validates existing rows, and the query that finds the rows it would reject. */
export interface BlockerProbe {
  kind: BlockerKind;
  /** `schema.table` */
  table: string;
  /** The constraint's or index's name, when the statement gives one. */
  name: string | null;
  /** What the statement adds, in words (`CHECK orders_status_check`, `NOT NULL on email`). */
  what: string;
  columns: string[];
  /** A FOREIGN KEY's referenced table (`schema.table`) and key columns: their rows decide too. */
  references?: string;
  referencedColumns?: string[];
  /**
   * The FOREIGN KEY names no referenced columns (`REFERENCES parent`): they are that table's primary key, read from
   * the catalog when the probe is asked (`referencedColumns` and `query` are filled in then), with `matchFull` for it.
   */
  referencesPrimaryKey?: boolean;
  matchFull?: boolean;
  /** The query converts every value: PostgreSQL refusing one (a data exception) is the answer, not a failure to check. */
  converts?: boolean;
  /** For a type change: what the rows the query finds hold (`a value longer than that`). */
  rejects?: string;
  /** Line of the statement in its migration (the down for undo, the up for migrate). */
  line: number;
  /** SELECT of the offending rows' columns (or key values), or null when it cannot be asked (see `unchecked`). */
  query: string | null;
  /** Why the rows were not checked: the run changes the table before this statement, or the condition's form. */
  unchecked: string | null;
}

export interface RowBlocker extends BlockerProbe {
  /** Rows (key values for UNIQUE) the statement would reject, up to LIMIT; null when not checked. */
  violations: number | null;
  /** `violations` stopped at the limit: there are at least that many. */
  atLeast: boolean;
  /** A few of the offending values (the columns read), for the message. */
  examples: string[];
}

/**
 * How long one check may read: a table too large to read through in this long is reported unchecked rather than
 * holding plan (or migrate, for a routine deploy) for minutes; PostgreSQL still validates it when the statement runs.
 */
const PROBE_TIMEOUT_MS = 30_000;

/** Rows counted per check: enough to say "at least 1,000" without reading a large table's every violation. */
const LIMIT = 1000;
const EXAMPLES = 3;

/**
 * What a run changed so far, across its migrations in the order they run (an undo's downs newest first,
 * migrate's ups oldest first): a later statement on one of these tables, or on any table once something
 * opaque ran, is not checked. `run` names it in the reasons (`the undo`, `the migrate run`).
 */
export class RunSoFar {
  constructor(private readonly run = 'the undo') {}

  /** Tables whose rows may have changed, with the statement that changed them. */
  private readonly changed = new Map<string, string>();
  /** Columns whose values changed (a type change, a column dropped or added), by table. */
  private readonly changedColumns = new Map<string, Map<string, string>>();
  /** Tables whose primary key an earlier statement adds or may drop (any constraint dropped), by table. */
  private readonly keyChanges = new Map<string, string>();
  private opaque: string | null = null;
  /** Enum types the run creates before it uses them (`schema.name` → labels): the database cannot cast to them yet. */
  private readonly enums = new Map<string, string[]>();

  /** The labels of an enum type the run created earlier, if it did. */
  enumLabels(typeName: readonly string[]): string[] | undefined {
    return this.enums.get(typeKey(typeName));
  }

  /** A migration part (a down, an up) whose statements are unknown ran: it may have changed anything. */
  unknown(migration: string, part = 'down'): void {
    this.opaque ??= `the ${part} of ${migration}, whose SQL is unknown`;
  }

  /** Why `columns` of `table` cannot be checked as they are now, or null when nothing before changed them. */
  changedBefore(table: string, columns: readonly string[] = []): string | null {
    if (this.opaque !== null) return `an earlier statement of ${this.run} (${this.opaque}) may change it first`;
    const by = this.changed.get(table) ?? columns.map((c) => this.changedColumns.get(table)?.get(c)).find((w) => w !== undefined);
    return by === undefined ? null : `an earlier statement of ${this.run} (${by}) changes ${table} first`;
  }

  /**
   * Why `table`'s primary key, read from the catalog, may not be the one a later statement meets: the table or any
   * of its columns changed before (which columns make the key is known only once the catalog is asked), or its
   * primary key was added or a constraint of it dropped.
   */
  primaryKeyChangedBefore(table: string): string | null {
    const changed = this.changedBefore(table);
    if (changed !== null) return changed;
    const by = this.keyChanges.get(table) ?? this.changedColumns.get(table)?.values().next().value;
    return by === undefined ? null : `an earlier statement of ${this.run} (${by}) changes ${table} first, and the key is its primary key`;
  }

  record(stmt: ParsedStatement, migration: string): void {
    const where = `${migration}, line ${stmt.line}`;
    const n = stmt.node;
    const mark = (table: string | undefined): void => {
      if (table !== undefined && !this.changed.has(table)) this.changed.set(table, where);
    };
    switch (stmt.kind) {
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'InsertStmt':
      case 'MergeStmt':
      case 'CreateStmt':
      case 'CreateTableAsStmt':
        mark(relKey(n.relation ?? as(n.into, 'IntoClause')?.rel ?? (n.into as Fields | undefined)?.rel));
        return;
      case 'TruncateStmt':
        for (const rel of list(n.relations)) mark(relKey(rel));
        return;
      case 'DropStmt':
        if (str(n.removeType) === 'OBJECT_TABLE') {
          for (const obj of list(n.objects)) {
            const parts = names(as(obj, 'List')?.items);
            if (parts.length > 0) mark(parts.length === 1 ? `public.${parts[0]}` : `${parts.at(-2)}.${parts.at(-1)}`);
          }
        }
        return;
      case 'RenameStmt':
        mark(relKey(n.relation));
        return;
      case 'AlterTableStmt': {
        const table = relKey(n.relation);
        if (table === undefined) return;
        for (const cmd of alterCmds(n)) {
          const subtype = str(cmd.subtype) ?? '';
          if (changesPrimaryKey(cmd) && !this.keyChanges.has(table)) this.keyChanges.set(table, where);
          // Adding or dropping constraints and NOT NULL leaves the rows as they are.
          if (KEEPS_ROWS.has(subtype)) continue;
          // A type change, or a column dropped or added, changes that column's values only.
          const column = COLUMN_CHANGES.has(subtype) ? (str(cmd.name) ?? str(as(cmd.def, 'ColumnDef')?.colname)) : undefined;
          if (column === undefined) {
            mark(table);
            continue;
          }
          const columns = this.changedColumns.get(table) ?? new Map<string, string>();
          if (!columns.has(column)) columns.set(column, where);
          this.changedColumns.set(table, columns);
        }
        return;
      }
      case 'CreateEnumStmt':
        this.enums.set(typeKey(names(n.typeName)), names(n.vals));
        return;
      case 'IndexStmt':
      case 'CommentStmt':
      case 'GrantStmt':
      case 'CreateSeqStmt':
      case 'AlterSeqStmt':
      case 'AlterEnumStmt':
      case 'ViewStmt':
      case 'CreateTrigStmt':
      case 'CreateFunctionStmt':
      case 'CreateSchemaStmt':
      case 'VariableSetStmt':
      case 'TransactionStmt':
      case 'CreateExtensionStmt':
      case 'DefineStmt':
      case 'CreateDomainStmt':
      case 'CompositeTypeStmt':
        return;
      default:
        // DO blocks, function calls, anything whose effect on rows cannot be read from the statement.
        this.opaque ??= where;
    }
  }
}

/** A subcommand that adds a primary key, or drops a constraint that may be one. */
function changesPrimaryKey(cmd: Fields): boolean {
  const subtype = str(cmd.subtype);
  if (subtype === 'AT_DropConstraint') return true;
  if (subtype === 'AT_AddConstraint') return str(as(cmd.def, 'Constraint')?.contype) === 'CONSTR_PRIMARY';
  return subtype === 'AT_AddIndex' || subtype === 'AT_AddIndexConstraint';
}

/** `['status']` → `public.status`, `['pg_catalog', 'int4']` → `pg_catalog.int4`. */
function typeKey(parts: readonly string[]): string {
  return parts.length > 1 ? `${parts.at(-2)}.${parts.at(-1)}` : `public.${parts[0] ?? ''}`;
}

const KEEPS_ROWS = new Set(['AT_AddConstraint', 'AT_DropConstraint', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_ValidateConstraint', 'AT_ColumnDefault', 'AT_AddIndex', 'AT_ReplicaIdentity', 'AT_SetStatistics', 'AT_ClusterOn', 'AT_DropCluster']);
const COLUMN_CHANGES = new Set(['AT_AlterColumnType', 'AT_DropColumn', 'AT_AddColumn']);

/** The statements of one migration part (a down for undo, an up for migrate) that validate existing rows, in order; `soFar` is updated past each statement. */
export function blockerProbes(statements: readonly ParsedStatement[], migration: string, soFar: RunSoFar): BlockerProbe[] {
  const out: BlockerProbe[] = [];
  for (const stmt of statements) {
    const probes = stmt.kind === 'AlterTableStmt' ? alterProbes(stmt, soFar) : stmt.kind === 'IndexStmt' ? indexProbe(stmt) : [];
    for (const probe of probes) {
      const changed =
        soFar.changedBefore(probe.table, probe.columns) ??
        (probe.references === undefined ? null : probe.referencesPrimaryKey ? soFar.primaryKeyChangedBefore(probe.references) : soFar.changedBefore(probe.references, probe.referencedColumns));
      out.push(changed === null ? probe : { ...probe, query: null, unchecked: changed });
    }
    soFar.record(stmt, migration);
  }
  return out;
}

function alterProbes(stmt: ParsedStatement, soFar: RunSoFar): BlockerProbe[] {
  const n = stmt.node;
  const table = isTableAlter(n) ? relKey(n.relation) : undefined;
  if (table === undefined) return [];
  const out: BlockerProbe[] = [];
  // What the statement's earlier subcommands changed: the whole table, or some columns' values.
  let changedHere = false;
  const columnsHere = new Set<string>();
  const push = (p: BlockerProbe | undefined): void => {
    if (p === undefined) return;
    const changed = changedHere || p.columns.some((c) => columnsHere.has(c));
    out.push(changed ? { ...p, query: null, unchecked: 'an earlier part of the same ALTER TABLE changes the table first' } : p);
  };
  for (const cmd of alterCmds(n)) {
    const subtype = str(cmd.subtype) ?? '';
    if (subtype === 'AT_SetNotNull') {
      const column = str(cmd.name);
      if (column !== undefined) push(probe('not-null', table, null, `NOT NULL on ${column}`, [column], stmt.line, notNullQuery(table, [column])));
    } else if (subtype === 'AT_AddConstraint') {
      const con = as(cmd.def, 'Constraint');
      // NOT VALID: existing rows are not checked.
      if (con && !con.skip_validation) push(constraintProbe(table, con, stmt.line));
    } else if (subtype === 'AT_AlterColumnType') {
      push(typeProbe(table, cmd, stmt.line, soFar));
    } else if (subtype === 'AT_AddColumn') {
      push(requiredColumnProbe(table, as(cmd.def, 'ColumnDef'), stmt.line, cmd.missing_ok === true));
    }
    if (KEEPS_ROWS.has(subtype)) continue;
    const column = COLUMN_CHANGES.has(subtype) ? (str(cmd.name) ?? str(as(cmd.def, 'ColumnDef')?.colname)) : undefined;
    if (column === undefined) changedHere = true;
    else columnsHere.add(column);
  }
  return out;
}

function constraintProbe(table: string, con: Fields, line: number): BlockerProbe | undefined {
  const name = str(con.conname) ?? null;
  const label = (kind: string) => `${kind}${name ? ` ${name}` : ''}`;
  switch (str(con.contype)) {
    case 'CONSTR_CHECK': {
      const condition = exprText(con.raw_expr);
      const columns = [...columnsRead(con.raw_expr)];
      if (condition === undefined) return { ...probe('check', table, name, label('CHECK'), columns, line, null), unchecked: 'its condition has a form plan does not write back as a query' };
      return probe('check', table, name, label('CHECK'), columns, line, `SELECT ${columns.length > 0 && columns.length <= 2 ? columns.map(quoteIdent).join(', ') : '1'} FROM ${qualified(table)} WHERE (${condition}) IS FALSE LIMIT ${LIMIT}`);
    }
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY': {
      if (str(con.indexname) !== undefined) return undefined;
      const columns = names(con.keys);
      // INCLUDE columns ride along in the index without taking part in the uniqueness: the keys alone are probed.
      if (columns.length === 0) return undefined;
      const primary = str(con.contype) === 'CONSTR_PRIMARY';
      return probe(primary ? 'primary-key' : 'unique', table, name, label(primary ? 'PRIMARY KEY' : 'UNIQUE'), columns, line, duplicatesQuery(table, columns, primary || con.nulls_not_distinct === true, primary));
    }
    case 'CONSTR_FOREIGN': {
      const columns = names(con.fk_attrs);
      const referenced = relKey(con.pktable);
      const targets = names(con.pk_attrs);
      if (columns.length === 0 || referenced === undefined || (targets.length > 0 && targets.length !== columns.length)) return undefined;
      const full = str(con.fk_matchtype) === 'f';
      const fk = { ...probe('foreign-key', table, name, label('FOREIGN KEY'), columns, line, null), references: referenced, referencedColumns: targets };
      if (targets.length > 0) return { ...fk, query: orphansQuery(table, columns, referenced, targets, full), unchecked: null };
      // Without a column list the key references the other table's primary key: read from the catalog when asked.
      return { ...fk, unchecked: null, referencesPrimaryKey: true, matchFull: full };
    }
    default:
      return undefined;
  }
}

/** Types whose one modifier is a length a longer value does not fit (`varchar(100)` back from `varchar(255)` or `text`). */
const LENGTH_TYPES = new Set(['varchar', 'bpchar', 'character varying', 'character', 'char']);

/**
 * A column type change converts every value: one that does not fit (a string longer than the new length) or
 * cannot be converted (`'n/a'` to integer) stops it. A length is compared directly (an explicit cast would cut
 * the value where the column's assignment refuses it); anything else is converted in the query itself
 * (`count((expr)::type)`), and PostgreSQL's refusal is the answer.
 */
function typeProbe(table: string, cmd: Fields, line: number, soFar: RunSoFar): BlockerProbe | undefined {
  const column = str(cmd.name);
  const def = as(cmd.def, 'ColumnDef');
  const typeName = (as(def?.typeName, 'TypeName') ?? def?.typeName) as Fields | undefined;
  const type = typeNameText(typeName);
  if (column === undefined || typeName === undefined) return undefined;
  const what = `type ${names(typeName.names).filter((n) => n !== 'pg_catalog').join('.')}${list(typeName.typmods).length > 0 ? `(${list(typeName.typmods).map((m) => String(as(as(m, 'A_Const'), 'ival')?.ival ?? '?')).join(', ')})` : ''} on ${column}`;
  const source = def?.raw_default === undefined ? quoteIdent(column) : exprText(def.raw_default);
  if (type === undefined || source === undefined) return { ...probe('type', table, null, what, [column], line, null), unchecked: 'its type or USING expression has a form plan does not write back as a query' };
  // An enum the run creates first (the down of an enum value added: a new type without it, the column moved onto it
  // with USING col::text::new_type): its labels are known here, the database does not have it yet.
  const labels = soFar.enumLabels(names(typeName.names));
  if (labels !== undefined) {
    const cast = as(def?.raw_default, 'TypeCast');
    const value = cast && typeNameParts(cast.typeName).join('.') === names(typeName.names).join('.') ? exprText(cast.arg) : undefined;
    if (value === undefined) return { ...probe('type', table, null, what, [column], line, null), unchecked: 'its USING expression is not a plain cast to the new enum type' };
    return { ...probe('type', table, null, what, [column], line, `SELECT ${quoteIdent(column)} FROM ${qualified(table)} WHERE (${value})::text NOT IN (${labels.map(quoteLiteral).join(', ')}) LIMIT ${LIMIT}`), rejects: 'a value the new type does not have' };
  }
  const base = names(typeName.names).at(-1) ?? '';
  const mods = list(typeName.typmods);
  const length = as(as(mods[0], 'A_Const'), 'ival')?.ival;
  if (LENGTH_TYPES.has(base) && mods.length === 1 && typeof length === 'number' && list(typeName.arrayBounds).length === 0) {
    // Trailing spaces past the length are cut without complaint; anything else past it is refused.
    return { ...probe('type', table, null, what, [column], line, `SELECT ${quoteIdent(column)} FROM ${qualified(table)} WHERE char_length(rtrim((${source})::text, ' ')) > ${length} LIMIT ${LIMIT}`), rejects: 'a value longer than that' };
  }
  return { ...probe('type', table, null, what, [column], line, `SELECT count((${source})::${type}) AS converted FROM ${qualified(table)}`), converts: true };
}

/**
 * A column added back NOT NULL with no default (the down of a migration that dropped it) is NULL in every row the
 * table holds: PostgreSQL refuses it unless the table is empty.
 */
function requiredColumnProbe(table: string, def: Fields | undefined, line: number, ifNotExists: boolean): BlockerProbe | undefined {
  const column = str(def?.colname);
  if (def === undefined || column === undefined || def.raw_default !== undefined) return undefined;
  const kinds = list(def.constraints).map((c) => str(as(c, 'Constraint')?.contype));
  if (!kinds.includes('CONSTR_NOTNULL') && !kinds.includes('CONSTR_PRIMARY')) return undefined;
  if (kinds.some((k) => k === 'CONSTR_DEFAULT' || k === 'CONSTR_IDENTITY' || k === 'CONSTR_GENERATED')) return undefined;
  // serial types bring their own default.
  const typeName = (as(def.typeName, 'TypeName') ?? def.typeName) as Fields | undefined;
  if (/^(small|big)?serial[248]?$/.test(names(typeName?.names).at(-1) ?? '')) return undefined;
  const rows = `SELECT 1 AS row FROM ${qualified(table)} LIMIT ${LIMIT}`;
  // ADD COLUMN IF NOT EXISTS of a column that is there already adds nothing.
  const guard = `NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(${quoteLiteral(qualified(table))}) AND attname = ${quoteLiteral(column)} AND NOT attisdropped)`;
  return probe('not-null', table, null, `column ${column} NOT NULL without a default`, [], line, ifNotExists ? `SELECT * FROM (${rows}) r WHERE ${guard}` : rows);
}

/**
 * A unique index validates the rows it holds: every row, or those its WHERE admits (a partial index); its keys are
 * columns or expressions (`lower(email)`), compared under the collation it names. Expressions and the WHERE are
 * written back from the parse tree (expr-text), or the index is reported unchecked.
 */
function indexProbe(stmt: ParsedStatement): BlockerProbe[] {
  const n = stmt.node;
  const table = relKey(n.relation);
  if (!n.unique || table === undefined) return [];
  const name = str(n.idxname) ?? null;
  const what = `UNIQUE index${name ? ` ${name}` : ''}`;
  const columns = new Set<string>();
  const keys: Key[] = [];
  let unwritable: string | null = null;
  for (const param of list(n.indexParams)) {
    const elem = as(param, 'IndexElem');
    const column = str(elem?.name);
    for (const c of column === undefined ? columnsRead(elem?.expr) : [column]) columns.add(c);
    const expr = column === undefined ? exprText(elem?.expr) : undefined;
    if (column === undefined && expr === undefined) {
      unwritable ??= 'its key expression has a form plan does not write back as a query';
      continue;
    }
    const collation = names(elem?.collation);
    // expr-text's output stands as one operand (its operators come parenthesized), before IS NOT NULL or COLLATE too.
    const sql = column !== undefined ? quoteIdent(column) : expr!;
    keys.push({ sql: collation.length > 0 ? `(${sql} COLLATE ${collation.map(quoteIdent).join('.')})` : sql, label: column ?? readable(expr!) });
  }
  let where: string | undefined;
  if (n.whereClause !== undefined) {
    for (const c of columnsRead(n.whereClause)) columns.add(c);
    where = exprText(n.whereClause);
    if (where === undefined) unwritable ??= 'its WHERE condition has a form plan does not write back as a query';
  }
  if (unwritable !== null) return [{ ...probe('unique', table, name, what, [...columns], stmt.line, null), unchecked: unwritable }];
  const query = duplicatesQuery(table, keys, n.nulls_not_distinct === true, false, where);
  // IF NOT EXISTS of an index that is there already builds nothing (an idempotent up run again): nothing to reject then.
  const guard = n.if_not_exists && name !== null ? `to_regclass(${quoteLiteral(quoteQualified(splitRelKey(table).schema, name))}) IS NULL` : null;
  return [probe('unique', table, name, what, [...columns], stmt.line, guard === null ? query : `SELECT * FROM (${query}) d WHERE ${guard}`)];
}

/** A unique key part as SQL (a quoted column, or an expression) and the name its values are shown under. */
interface Key {
  sql: string;
  label: string;
}

/** `"lower"("email")` → `lower(email)`: an expression key's name in the examples (only ever quoted as an alias). */
function readable(expr: string): string {
  return expr.replace(/"([a-z_][a-z0-9_$]*)"/g, '$1');
}

function probe(kind: BlockerKind, table: string, name: string | null, what: string, columns: string[], line: number, query: string | null): BlockerProbe {
  return { kind, table, name, what, columns, line, query, unchecked: query === null ? 'plan cannot write that check as a query' : null };
}

function qualified(table: string): string {
  const { schema, table: name } = splitRelKey(table);
  return quoteQualified(schema, name);
}

function notNullQuery(table: string, columns: string[]): string {
  return `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${qualified(table)} WHERE ${columns.map((c) => `${quoteIdent(c)} IS NULL`).join(' OR ')} LIMIT ${LIMIT}`;
}

/**
 * Key values held by more than one row (rows with a NULL key part never clash, unless NULLS NOT DISTINCT); a primary
 * key's NULLs too. `where`: a partial index's condition, only the rows it admits are in the index.
 */
function duplicatesQuery(table: string, keys: Array<string | Key>, nullsClash: boolean, primary: boolean, where?: string): string {
  const parts = keys.map((k) => (typeof k === 'string' ? { sql: quoteIdent(k), label: k } : k));
  const selected = parts.map((k) => (k.sql === quoteIdent(k.label) ? k.sql : `${k.sql} AS ${quoteIdent(k.label)}`)).join(', ');
  const grouped = parts.map((k) => k.sql).join(', ');
  // expr-text's output binds tighter than AND (its operators come parenthesized).
  const conditions = [...(where === undefined ? [] : [where]), ...(nullsClash ? [] : parts.map((k) => `${k.sql} IS NOT NULL`))];
  const dupes = `SELECT ${selected} FROM ${qualified(table)}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''} GROUP BY ${grouped} HAVING count(*) > 1`;
  if (!primary) return `${dupes} LIMIT ${LIMIT}`;
  return `(${dupes}) UNION ALL (SELECT ${selected} FROM ${qualified(table)} WHERE ${parts.map((k) => `${k.sql} IS NULL`).join(' OR ')}) LIMIT ${LIMIT}`;
}

/** Rows whose key points at no row of the referenced table (MATCH SIMPLE: a NULL part exempts the row; MATCH FULL: only an all-NULL key). */
function orphansQuery(table: string, columns: string[], referenced: string, targets: string[], full: boolean): string {
  const child = 'c';
  const parent = 'p';
  const exempt = full ? columns.map((c) => `${child}.${quoteIdent(c)} IS NULL`).join(' AND ') : columns.map((c) => `${child}.${quoteIdent(c)} IS NULL`).join(' OR ');
  const joined = columns.map((c, i) => `${parent}.${quoteIdent(targets[i]!)} = ${child}.${quoteIdent(c)}`).join(' AND ');
  return `SELECT ${columns.map((c) => `${child}.${quoteIdent(c)}`).join(', ')} FROM ${qualified(table)} ${child} WHERE NOT (${exempt}) AND NOT EXISTS (SELECT 1 FROM ${qualified(referenced)} ${parent} WHERE ${joined}) LIMIT ${LIMIT}`;
}

/**
 * Ask each probe of the live database, read-only: the rows it would reject (up to LIMIT) and a few of their values.
 * A query the database refuses (a column the run adds first, a table it re-creates) is reported as not checked.
 */
export async function measureBlockers(db: Db, probes: readonly BlockerProbe[], timeoutMs = PROBE_TIMEOUT_MS): Promise<RowBlocker[]> {
  const out: RowBlocker[] = [];
  for (const asked of probes) {
    const p = asked.referencesPrimaryKey && asked.query === null && asked.unchecked === null ? await withPrimaryKey(db, asked, timeoutMs) : asked;
    if (p.query === null) {
      out.push({ ...p, violations: null, atLeast: false, examples: [] });
      continue;
    }
    try {
      if (p.converts) {
        await probeRows(db, p.query, timeoutMs);
        out.push({ ...p, violations: 0, atLeast: false, examples: [] });
        continue;
      }
      const rows = await probeRows(db, p.query, timeoutMs);
      // A CHECK reading more than two columns selects none of them: no values to show.
      const examples = p.kind === 'check' && (p.columns.length === 0 || p.columns.length > 2) ? [] : rows.slice(0, EXAMPLES).map(example);
      out.push({ ...p, violations: rows.length, atLeast: rows.length >= LIMIT, examples });
    } catch (err) {
      // Class 22, data exception: a value the conversion refuses (invalid input, out of range, too long).
      if (p.converts && /^22/.test(String((err as { code?: unknown }).code ?? ''))) {
        out.push({ ...p, violations: 1, atLeast: true, examples: [`PostgreSQL: ${(err as Error).message}`] });
        continue;
      }
      // 57014: our statement_timeout (a table too large to read through in time): PostgreSQL still validates it when the statement runs.
      const why = (err as { code?: unknown }).code === '57014' ? `reading the table took longer than ${timeoutMs / 1000} s (PostgreSQL checks its rows when the statement runs)` : `the database could not check it as it is now: ${(err as Error).message}`;
      out.push({ ...p, query: null, unchecked: why, violations: null, atLeast: false, examples: [] });
    }
  }
  return out;
}

/**
 * A FOREIGN KEY written `REFERENCES parent`: its key columns are parent's primary key as the catalog holds it now
 * (nothing the run does before it changes that key: blockerProbes said so), then asked like one that lists them.
 */
async function withPrimaryKey(db: Db, p: BlockerProbe, timeoutMs: number): Promise<BlockerProbe> {
  const referenced = p.references!;
  const unchecked = (why: string): BlockerProbe => ({ ...p, query: null, unchecked: why });
  let found: { present: boolean; key: string[] } | undefined;
  try {
    // Catalog rows only (to_regclass takes no lock on the table), under the same timeouts as the probes all the same.
    const rows = await probeRows<{ present: boolean; key: string[] }>(
      db,
      `SELECT to_regclass($1) IS NOT NULL AS present,
              ARRAY(SELECT a.attname::text
                      FROM pg_index i
                      CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     WHERE i.indrelid = to_regclass($1) AND i.indisprimary
                     ORDER BY k.position) AS key`,
      timeoutMs,
      [qualified(referenced)],
    );
    found = rows[0];
  } catch (err) {
    return unchecked(`the database could not say which columns make the primary key of ${referenced}: ${(err as Error).message}`);
  }
  if (!found?.present) return unchecked(`${referenced}, whose primary key it references, does not exist now`);
  if (found.key.length === 0) return unchecked(`${referenced} has no primary key now (PostgreSQL refuses a FOREIGN KEY that names no referenced columns then)`);
  if (found.key.length !== p.columns.length) return unchecked(`the primary key of ${referenced} has ${found.key.length} columns and the FOREIGN KEY ${p.columns.length} (PostgreSQL refuses the statement itself)`);
  return { ...p, referencedColumns: found.key, query: orphansQuery(p.table, p.columns, referenced, found.key, p.matchFull === true), unchecked: null };
}

/**
 * One probe's rows. Not in a transaction of its own: the connection may be the caller's (undo's, holding its
 * session lock), whose state a BEGIN/ROLLBACK here must not touch. The query is a SELECT built from the
 * statement's parse tree, every name and literal quoted anew. A table locked by someone else is waited for
 * only briefly (plan must answer during an incident), and a table is read for PROBE_TIMEOUT_MS at most; the
 * session's own lock_timeout and statement_timeout are put back after.
 */
async function probeRows<R extends object = Record<string, unknown>>(db: Db, query: string, timeoutMs: number, params: unknown[] = []): Promise<R[]> {
  const { rows: before } = await db.query<{ lock: string; statement: string }>("SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement");
  await db.query("SELECT set_config('lock_timeout', '5s', false), set_config('statement_timeout', $1, false)", [`${Math.max(1, Math.round(timeoutMs))}ms`]);
  try {
    const { rows } = await db.query<R>(query, params);
    return rows;
  } finally {
    await db.query("SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)", [before[0]!.lock, before[0]!.statement]);
  }
}

function example(row: Record<string, unknown>): string {
  return Object.entries(row)
    .map(([k, v]) => `${k} = ${v === null ? 'NULL' : typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'` : String(v)}`)
    .join(', ');
}

/** `re-adds CHECK orders_status_check on public.orders, which 3 rows violate (status = 'shipped', ...)`. */
export function blockerMessage(b: RowBlocker): string {
  const count = `${b.atLeast ? 'at least ' : ''}${b.violations}`;
  const what =
    b.kind === 'unique' || b.kind === 'primary-key'
      ? `${count} key value${b.violations === 1 ? '' : 's'} of ${b.table} ${b.violations === 1 ? 'is' : 'are'} held by more than one row${b.kind === 'primary-key' ? ' (or is NULL)' : ''}`
      : b.kind === 'type'
        ? b.converts
          ? 'a value there cannot be converted'
          : `${count} row${b.violations === 1 ? '' : 's'} of ${b.table} hold${b.violations === 1 ? 's' : ''} ${b.rejects ?? 'a value that does not fit'}`
      : b.kind === 'foreign-key'
        ? `${count} row${b.violations === 1 ? '' : 's'} of ${b.table} point${b.violations === 1 ? 's' : ''} at no row of the referenced table`
        : `${count} row${b.violations === 1 ? '' : 's'} of ${b.table} ${b.kind === 'not-null' ? (b.violations === 1 ? 'holds' : 'hold') + ' NULL there' : b.violations === 1 ? 'violates it' : 'violate it'}`;
  return `it ${b.kind === 'type' ? 'sets' : 'adds'} ${b.what} ${b.kind === 'type' ? 'in' : 'to'} ${b.table}, and ${what}${b.examples.length > 0 ? ` (${b.examples.join('; ')}${(b.violations ?? 0) > b.examples.length ? '; …' : ''})` : ''}`;
}
