/**
 * Whether an SQL statement creates (or adds) a schema object: a CREATE of
 * it, or an ALTER ... ADD of a column or constraint. Read from the parse
 * tree alone: a name PostgreSQL generates (an unnamed constraint) is not seen.
 */
import type { SchemaChange, SchemaChangeKind } from '../db/schema/diff.js';
import { as, list, names, str } from './ast.js';
import type { ParsedStatement } from './parser.js';

export interface ObjectRef {
  kind: SchemaChangeKind;
  /** As schema snapshots key it: `schema.table`, `schema.table.column`, ... */
  object: string;
}

/**
 * The object a schema change is about, and the relation a column, constraint, index, trigger or grant of it
 * belongs to: a statement creating any of them made the change (a view re-created with another definition).
 */
export function objectAndRelation(change: Pick<SchemaChange, 'kind' | 'object'>): ObjectRef[] {
  const refs: ObjectRef[] = [{ kind: change.kind, object: change.object }];
  if (change.kind === 'grant' && change.object.startsWith('function ')) return [{ kind: 'function', object: change.object.slice('function '.length) }];
  if (['column', 'constraint', 'index', 'trigger', 'grant'].includes(change.kind)) {
    const relation = change.object.split('.').slice(0, 2).join('.');
    refs.push({ kind: 'view', object: relation }, { kind: 'table', object: relation });
  }
  return refs;
}

/** Whether a statement creates (or adds) the object, or renames another object to its name. */
export function creates(stmt: ParsedStatement, ref: ObjectRef): boolean {
  const parts = ref.object.split('.');
  const node = stmt.node;
  if (stmt.kind === 'RenameStmt') return renamesTo(node, ref.kind, parts);
  switch (ref.kind) {
    case 'index':
      return stmt.kind === 'IndexStmt' && str(node.idxname) === parts.at(-1);
    case 'table':
    case 'view':
    case 'sequence': {
      const rv = (node.relation ?? node.view ?? node.sequence ?? as(node.into, 'IntoClause')?.rel ?? (node.into as Record<string, unknown> | undefined)?.rel) as Record<string, unknown> | undefined;
      const created = ['CreateStmt', 'ViewStmt', 'CreateSeqStmt', 'CreateTableAsStmt'].includes(stmt.kind);
      // The whole key compared, never split: a name may hold a dot (`"Sales.EU"."Order Line"`).
      return created && `${str(rv?.schemaname) ?? 'public'}.${str(rv?.relname)}` === ref.object;
    }
    case 'column': {
      const rel = node.relation as Record<string, unknown> | undefined;
      const table = str(rel?.relname);
      const schema = str(rel?.schemaname);
      // An unqualified table matches in any schema, as before (the search path decides where it is).
      const isColumn = (column: string | undefined): boolean =>
        column !== undefined && (schema === undefined ? ref.object.endsWith(`.${table}.${column}`) : ref.object === `${schema}.${table}.${column}`);
      if (table === undefined) return false;
      if (stmt.kind === 'CreateStmt') return list(node.tableElts).some((e) => isColumn(str(as(e, 'ColumnDef')?.colname)));
      if (stmt.kind === 'AlterTableStmt') {
        return list(node.cmds).some((c) => {
          const cmd = as(c, 'AlterTableCmd');
          return str(cmd?.subtype) === 'AT_AddColumn' && isColumn(str(as(cmd?.def, 'ColumnDef')?.colname));
        });
      }
      return false;
    }
    case 'constraint':
      return (stmt.kind === 'CreateStmt' || stmt.kind === 'AlterTableStmt' || stmt.kind === 'CreateDomainStmt' || stmt.kind === 'AlterDomainStmt') && JSON.stringify(node).includes(`"conname":${JSON.stringify(parts.at(-1))}`);
    case 'trigger':
      return stmt.kind === 'CreateTrigStmt' && str(node.trigname) === parts.at(-1);
    case 'enum':
      return stmt.kind === 'CreateEnumStmt' && names(node.typeName).at(-1) === parts.at(-1);
    case 'domain':
      return stmt.kind === 'CreateDomainStmt' && names(node.domainname).at(-1) === parts.at(-1);
    case 'function':
      return stmt.kind === 'CreateFunctionStmt' && names(node.funcname).at(-1) === ref.object.slice(ref.object.indexOf('.') + 1, ref.object.indexOf('('));
    case 'schema':
      return stmt.kind === 'CreateSchemaStmt' && str(node.schemaname) === ref.object;
    case 'extension':
      return stmt.kind === 'CreateExtensionStmt' && str(node.extname) === ref.object;
    default:
      return false;
  }
}

const RENAME_KINDS: Partial<Record<SchemaChangeKind, string[]>> = {
  table: ['OBJECT_TABLE'],
  view: ['OBJECT_VIEW', 'OBJECT_MATVIEW'],
  sequence: ['OBJECT_SEQUENCE'],
  index: ['OBJECT_INDEX'],
  column: ['OBJECT_COLUMN'],
  constraint: ['OBJECT_TABCONSTRAINT'],
  trigger: ['OBJECT_TRIGGER'],
  enum: ['OBJECT_TYPE'],
  domain: ['OBJECT_DOMAIN', 'OBJECT_TYPE'],
};

/**
 * `ALTER … RENAME TO name`: afterwards the object is there under that name.
 * TypeORM's enum change ends so (its down renames `x_enum_old` back to
 * `x_enum` after dropping the new `x_enum`).
 */
function renamesTo(node: Record<string, unknown>, kind: SchemaChangeKind, parts: string[]): boolean {
  if (!RENAME_KINDS[kind]?.includes(str(node.renameType) ?? '') || str(node.newname) !== parts.at(-1)) return false;
  const rel = node.relation as Record<string, unknown> | undefined;
  const relSchema = str(rel?.schemaname) ?? 'public';
  switch (kind) {
    case 'table':
    case 'view':
    case 'sequence':
      return relSchema === parts[0];
    case 'index':
      return parts.length < 3 || relSchema === parts[0];
    case 'column':
    case 'constraint':
    case 'trigger':
      return str(rel?.relname) === parts[1] && relSchema === parts[0];
    case 'enum':
    case 'domain': {
      const named = names(as(node.object, 'List')?.items ?? []);
      return (named.length > 1 ? named.at(-2)! : 'public') === parts[0];
    }
    default:
      return false;
  }
}

/**
 * The indexes `CREATE INDEX … IF NOT EXISTS` statements name: an index of that name already there (an INVALID
 * one a failed CONCURRENTLY build left) makes the statement a no-op. `schema` is null where the table is not
 * schema-qualified (the search path decides).
 */
export function indexesIfNotExists(statements: readonly ParsedStatement[]): Array<{ schema: string | null; name: string }> {
  const out: Array<{ schema: string | null; name: string }> = [];
  for (const stmt of statements) {
    if (stmt.kind !== 'IndexStmt' || stmt.node.if_not_exists !== true) continue;
    const name = str(stmt.node.idxname);
    if (name === undefined) continue;
    const relation = (as(stmt.node.relation, 'RangeVar') ?? stmt.node.relation) as Record<string, unknown> | undefined;
    out.push({ schema: str(relation?.schemaname) ?? null, name });
  }
  return out;
}
