/**
 * The recorded path: with the schema `migrate` recorded before a migration,
 * what its down's SQL drops is checked against it without running anything.
 * An object the down drops (and does not create again) that the record holds
 * existed before the migration: the down destroys more than its up made.
 * So is a column property it resets away from what the record holds (a
 * default dropped where there was one, a NOT NULL set or dropped). What a
 * down leaves behind is read in leftovers.ts; what it alters in ways the SQL
 * alone cannot compare (a default set to another expression, a type) is
 * caught after the undo by the verify gate, which compares the whole schema
 * with the same record.
 */
import type { SchemaChange, SchemaChangeKind } from '../../db/schema/diff.js';
import type { SchemaSnapshot } from '../../db/schema/snapshot.js';
import { as, list, names, str } from '../../sql/ast.js';
import type { ParsedStatement } from '../../sql/parser.js';
import { creates, type ObjectRef } from '../../sql/creates.js';

const DROP_KINDS: Record<string, SchemaChangeKind> = {
  OBJECT_INDEX: 'index',
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_TYPE: 'enum',
  OBJECT_DOMAIN: 'domain',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_SCHEMA: 'schema',
  OBJECT_EXTENSION: 'extension',
};

/** Objects of `record` the statements drop and do not create again afterwards, as snapshot keys. */
export function droppedFromRecord(statements: readonly ParsedStatement[], record: SchemaSnapshot): ObjectRef[] {
  const out: ObjectRef[] = [];
  statements.forEach((stmt, i) => {
    for (const ref of dropsOf(stmt, record)) {
      const recreated = statements.slice(i + 1).some((later) => creates(later, ref));
      if (!recreated && !out.some((o) => o.kind === ref.kind && o.object === ref.object)) out.push(ref);
    }
  });
  return out;
}

/**
 * Column properties the statements leave different from the record: the last
 * DROP/SET DEFAULT and SET/DROP NOT NULL of each column that existed before
 * the migration (and that the statements do not drop).
 */
export function resetFromRecord(statements: readonly ParsedStatement[], record: SchemaSnapshot): SchemaChange[] {
  const last = new Map<string, { table: string; column: string; dflt?: 'set' | 'drop'; notNull?: boolean; dropped?: boolean }>();
  for (const stmt of statements) {
    if (stmt.kind !== 'AlterTableStmt') continue;
    const rel = stmt.node.relation as Record<string, unknown> | undefined;
    const table = `${str(rel?.schemaname) ?? 'public'}.${str(rel?.relname) ?? ''}`;
    for (const c of list(stmt.node.cmds)) {
      const cmd = as(c, 'AlterTableCmd');
      const column = str(cmd?.name);
      if (!column) continue;
      const entry = last.get(`${table}.${column}`) ?? { table, column };
      const subtype = str(cmd?.subtype);
      if (subtype === 'AT_ColumnDefault') entry.dflt = cmd?.def ? 'set' : 'drop';
      else if (subtype === 'AT_SetNotNull') entry.notNull = true;
      else if (subtype === 'AT_DropNotNull') entry.notNull = false;
      else if (subtype === 'AT_DropColumn') entry.dropped = true;
      else continue;
      last.set(`${table}.${column}`, entry);
    }
  }
  const out: SchemaChange[] = [];
  for (const e of last.values()) {
    const was = record.relations[e.table]?.columns[e.column];
    if (!was || e.dropped) continue;
    const object = `${e.table}.${e.column}`;
    if (e.dflt === 'drop' && was.default !== null) out.push({ kind: 'column', object, change: 'altered', detail: 'default', before: was.default, after: null });
    if (e.dflt === 'set' && was.default === null) out.push({ kind: 'column', object, change: 'altered', detail: 'default', before: null, after: '(a default)' });
    if (e.notNull !== undefined && e.notNull !== was.notNull) out.push({ kind: 'column', object, change: 'altered', detail: 'notNull', before: was.notNull, after: e.notNull });
  }
  return out;
}

/** What one statement drops, resolved against the record (objects the record does not hold are left out). */
function dropsOf(stmt: ParsedStatement, record: SchemaSnapshot): ObjectRef[] {
  const node = stmt.node;
  if (stmt.kind === 'DropStmt') {
    const kind = DROP_KINDS[str(node.removeType) ?? ''];
    if (!kind) return [];
    return list(node.objects).flatMap((o) => resolve(kind, o, record));
  }
  if (stmt.kind === 'AlterTableStmt') {
    const rel = node.relation as Record<string, unknown> | undefined;
    const table = `${str(rel?.schemaname) ?? 'public'}.${str(rel?.relname) ?? ''}`;
    const snapshot = record.relations[table];
    if (!snapshot) return [];
    return list(node.cmds).flatMap((c): ObjectRef[] => {
      const cmd = as(c, 'AlterTableCmd');
      const name = str(cmd?.name);
      if (!name) return [];
      if (str(cmd?.subtype) === 'AT_DropColumn' && name in snapshot.columns) return [{ kind: 'column', object: `${table}.${name}` }];
      if (str(cmd?.subtype) === 'AT_DropConstraint' && name in snapshot.constraints) return [{ kind: 'constraint', object: `${table}.${name}` }];
      return [];
    });
  }
  return [];
}

function resolve(kind: SchemaChangeKind, object: unknown, record: SchemaSnapshot): ObjectRef[] {
  const parts = names(as(object, 'List')?.items ?? as(object, 'TypeName')?.names ?? as(object, 'ObjectWithArgs')?.objname ?? (as(object, 'String') ? [object] : []));
  const name = parts.at(-1);
  if (!name) return [];
  const schema = parts.length > 1 ? parts.at(-2)! : null;
  const inSchema = (key: string) => (schema ? key.startsWith(`${schema}.`) : true);
  switch (kind) {
    case 'index': {
      const found = Object.entries(record.relations).find(([key, rel]) => inSchema(key) && name in rel.indexes);
      return found ? [{ kind, object: `${found[0]}.${name}` }] : [];
    }
    case 'table':
    case 'view':
    case 'sequence': {
      const key = `${schema ?? 'public'}.${name}`;
      return key in record.relations ? [{ kind, object: key }] : [];
    }
    case 'enum':
    case 'domain': {
      const key = `${schema ?? 'public'}.${name}`;
      if (key in record.enums) return [{ kind: 'enum', object: key }];
      if (key in record.domains) return [{ kind: 'domain', object: key }];
      return [];
    }
    case 'function':
      return Object.keys(record.functions).filter((k) => k.startsWith(`${schema ?? 'public'}.${name}(`)).map((k) => ({ kind, object: k }));
    case 'trigger': {
      // DROP TRIGGER name ON table: the list is [schema?, table, trigger].
      const table = parts.length > 2 ? `${parts.at(-3)}.${parts.at(-2)}` : `public.${parts.at(-2) ?? ''}`;
      return name in (record.relations[table]?.triggers ?? {}) ? [{ kind, object: `${table}.${name}` }] : [];
    }
    case 'schema':
      return name in record.schemas ? [{ kind, object: name }] : [];
    case 'extension':
      return name in record.extensions ? [{ kind, object: name }] : [];
    default:
      return [];
  }
}
