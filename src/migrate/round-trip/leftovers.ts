/**
 * The recorded path's other half: what a down leaves behind. Every object
 * an undone up created (by its SQL) that the live schema holds and the
 * record before the oldest undone migration does not (an extension, an
 * index, a column, a function) must be dropped by the downs — or the verify
 * gate after the undo fails with traffic paused and the downs already run.
 * Read from the downs' SQL without running anything, against the live
 * schema.
 *
 * Only what the SQL shows for certain is predicted: a down with a statement
 * whose effects the SQL does not show (a DO block, a function call, a
 * CASCADE) predicts nothing here, and privileges and changed definitions are
 * left to the verify gate. An object is covered when a down drops it, drops
 * the table, view or schema it belongs to, drops a column its definition
 * names (the foreign key or index that went with the column), or renames it
 * away (a down renaming a column back).
 */
import type { SchemaChange } from '../../db/schema/diff.js';
import type { SchemaSnapshot } from '../../db/schema/snapshot.js';
import { as, list, names, str } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parser.js';
import { escapeRegExp } from '../../sql/escape-regexp.js';
import { droppedFromRecord } from './drops.js';

/** Statement kinds whose effects on the catalog the SQL shows: anything else makes the prediction unknowable. */
const READABLE = new Set([
  'DropStmt', 'AlterTableStmt', 'RenameStmt', 'TransactionStmt', 'VariableSetStmt', 'CreateStmt', 'IndexStmt', 'ViewStmt',
  'CreateFunctionStmt', 'CreateEnumStmt', 'AlterEnumStmt', 'CreateExtensionStmt', 'CreateSchemaStmt', 'CreateSeqStmt',
  'AlterSeqStmt', 'CreateTrigStmt', 'CreateDomainStmt', 'CompositeTypeStmt', 'CommentStmt', 'GrantStmt', 'InsertStmt',
  'UpdateStmt', 'DeleteStmt', 'AlterDomainStmt', 'AlterExtensionStmt',
]);

/** Kinds of objects whose leaving is predicted (grants and sequences outside these rules are left to the verify gate). */
const PREDICTED = new Set<SchemaChange['kind']>(['extension', 'schema', 'table', 'view', 'sequence', 'column', 'constraint', 'index', 'trigger', 'enum', 'domain', 'function']);

/**
 * The objects added since `record` (as `live` holds them) that the downs, run in order, leave in place; null when
 * the downs hold a statement whose effects cannot be read from its SQL.
 */
export function leftBehind(downs: readonly ParsedStatement[], live: SchemaSnapshot, added: readonly SchemaChange[]): SchemaChange[] | null {
  for (const stmt of downs) {
    if (!READABLE.has(stmt.kind) || cascades(stmt)) return null;
  }
  const dropped = droppedFromRecord(downs, live);
  const gone = new Set(dropped.map((d) => `${d.kind}|${d.object}`));
  const relationsGone = new Set(dropped.filter((d) => d.kind === 'table' || d.kind === 'view').map((d) => d.object));
  // DROP TABLE of a partitioned table drops its partitions (and theirs) with it.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [key, rel] of Object.entries(live.relations)) {
      if (rel.partitionOf !== undefined && relationsGone.has(rel.partitionOf) && !relationsGone.has(key)) {
        relationsGone.add(key);
        gone.add(`table|${key}`);
        grew = true;
      }
    }
  }
  const schemasGone = new Set(dropped.filter((d) => d.kind === 'schema').map((d) => d.object));
  const columnsGone = new Map<string, string[]>();
  for (const d of dropped) {
    if (d.kind !== 'column') continue;
    const table = d.object.slice(0, d.object.lastIndexOf('.'));
    columnsGone.set(table, [...(columnsGone.get(table) ?? []), d.object.slice(d.object.lastIndexOf('.') + 1)]);
  }
  const renamedAway = renamedNames(downs);
  const covered = (c: SchemaChange): boolean => {
    if (gone.has(`${c.kind}|${c.object}`)) return true;
    const schema = c.kind === 'extension' || c.kind === 'schema' ? null : c.object.split('.')[0]!;
    if (schema !== null && schemasGone.has(schema)) return true;
    if (renamedAway.has(lastName(c))) return true;
    if (c.kind === 'column' || c.kind === 'constraint' || c.kind === 'index' || c.kind === 'trigger') {
      const table = c.object.split('.').slice(0, 2).join('.');
      if (relationsGone.has(table)) return true;
      const columns = columnsGone.get(table) ?? [];
      const definition = c.kind === 'constraint' ? live.relations[table]?.constraints[lastName(c)]?.definition : c.kind === 'index' ? live.relations[table]?.indexes[lastName(c)]?.definition : undefined;
      if (definition && columns.some((col) => mentions(definition, col))) return true;
    }
    // A sequence a dropped table's column takes its values from (serial) goes with the table.
    if (c.kind === 'sequence') {
      for (const table of relationsGone) {
        const rel = live.relations[table];
        if (rel && Object.values(rel.columns).some((col) => col.default !== null && mentions(col.default, c.object.split('.').at(-1)!))) return true;
      }
    }
    return false;
  };
  return added.filter((c) => c.change === 'added' && PREDICTED.has(c.kind) && !covered(c));
}

/** A DROP … CASCADE (or ALTER TABLE … DROP … CASCADE): what else goes cannot be read from the SQL. */
function cascades(stmt: ParsedStatement): boolean {
  if (stmt.kind === 'DropStmt') return str(stmt.node.behavior) === 'DROP_CASCADE';
  if (stmt.kind === 'AlterTableStmt') return list(stmt.node.cmds).some((c) => str(as(c, 'AlterTableCmd')?.behavior) === 'DROP_CASCADE');
  return false;
}

/** The old names the statements rename objects away from (a column, a table, an index, a function...). */
function renamedNames(statements: readonly ParsedStatement[]): Set<string> {
  const out = new Set<string>();
  for (const stmt of statements) {
    if (stmt.kind !== 'RenameStmt') continue;
    const n = stmt.node;
    const sub = str(n.subname);
    const rel = str((n.relation as Record<string, unknown> | undefined)?.relname);
    const object = names(as(n.object, 'List')?.items ?? as(n.object, 'ObjectWithArgs')?.objname ?? (as(n.object, 'String') ? [n.object] : [])).at(-1);
    const old = sub ?? rel ?? object;
    if (old) out.add(old);
  }
  return out;
}

/** The object's own name: the last part of its key, a function's without its arguments. */
function lastName(c: SchemaChange): string {
  const key = c.kind === 'function' ? c.object.slice(0, c.object.indexOf('(') === -1 ? undefined : c.object.indexOf('(')) : c.object;
  return key.slice(key.lastIndexOf('.') + 1);
}

/** Whether `text` names `identifier` (as a whole word, quoted or not). */
function mentions(text: string, identifier: string): boolean {
  return new RegExp(`(^|[^\\w$])"?${escapeRegExp(identifier)}"?($|[^\\w$])`).test(text);
}
