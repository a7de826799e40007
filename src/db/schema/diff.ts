/**
 * The difference between two schema snapshots, as a list of changes a person
 * can read ("column public.orders.note renamed to customer_note", "table
 * public.users rewritten") and a program can act on (kind/object/change).
 * Renames are told from drop + create by the object's identity (relation
 * oid, column attnum), rewrites by relfilenode.
 */
import type { ColumnSnapshot, RelationSnapshot, SchemaSnapshot } from './snapshot.js';

export type SchemaChangeKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'sequence'
  | 'column'
  | 'constraint'
  | 'index'
  | 'trigger'
  | 'enum'
  | 'domain'
  | 'function'
  | 'grant'
  | 'extension';

export interface SchemaChange {
  kind: SchemaChangeKind;
  /** Qualified name in the "before" snapshot (or the "after" one for additions). */
  object: string;
  change: 'added' | 'removed' | 'renamed' | 'altered' | 'rewritten';
  /** For renames: the new name. For alterations: which property changed. */
  detail: string;
  before?: unknown;
  after?: unknown;
}

export interface SchemaDiff {
  identical: boolean;
  changes: SchemaChange[];
}

export function diffSchemas(a: SchemaSnapshot, b: SchemaSnapshot): SchemaDiff {
  const changes: SchemaChange[] = [];
  const push = (c: SchemaChange): void => void changes.push(c);

  diffKeyed('schema', a.schemas, b.schemas, push, (name, x, y) => {
    if (!same(x.acl, y.acl)) push({ kind: 'grant', object: `schema ${name}`, change: 'altered', detail: 'privileges', before: x.acl, after: y.acl });
  });

  // Relations: match by name first, then pair leftovers by oid (renames).
  const removed = Object.keys(a.relations).filter((k) => !(k in b.relations));
  const added = new Set(Object.keys(b.relations).filter((k) => !(k in a.relations)));
  const renamedTo = new Map<string, string>();
  for (const key of removed) {
    const oid = a.relations[key]!.oid;
    const match = [...added].find((k) => b.relations[k]!.oid === oid);
    if (match) {
      renamedTo.set(key, match);
      added.delete(match);
    }
  }
  for (const key of removed) {
    const rel = a.relations[key]!;
    const to = renamedTo.get(key);
    if (to) {
      push({ kind: relKind(rel), object: key, change: 'renamed', detail: to, before: key, after: to });
      diffRelation(key, rel, b.relations[to]!, push);
    } else {
      push({ kind: relKind(rel), object: key, change: 'removed', detail: rel.kind });
    }
  }
  for (const key of added) push({ kind: relKind(b.relations[key]!), object: key, change: 'added', detail: b.relations[key]!.kind });
  for (const key of Object.keys(a.relations)) {
    if (key in b.relations) diffRelation(key, a.relations[key]!, b.relations[key]!, push);
  }

  diffKeyed('enum', a.enums, b.enums, push, (name, x, y) => {
    if (same(x, y)) return;
    const gone = x.filter((v) => !y.includes(v));
    const fresh = y.filter((v) => !x.includes(v));
    const parts = [fresh.length ? `values added: ${fresh.join(', ')}` : '', gone.length ? `values removed: ${gone.join(', ')}` : '', !gone.length && !fresh.length ? 'values reordered' : '']
      .filter(Boolean)
      .join('; ');
    push({ kind: 'enum', object: name, change: 'altered', detail: parts, before: x, after: y });
  });

  diffKeyed('domain', a.domains, b.domains, push, (name, x, y) => {
    for (const prop of ['baseType', 'notNull', 'default'] as const) {
      if (x[prop] !== y[prop]) push({ kind: 'domain', object: name, change: 'altered', detail: prop, before: x[prop], after: y[prop] });
    }
    diffKeyed('constraint', x.constraints, y.constraints, push, (con, cx, cy) => {
      if (cx.definition !== cy.definition || cx.validated !== cy.validated) {
        push({ kind: 'constraint', object: `${name}.${con}`, change: 'altered', detail: cx.validated !== cy.validated ? 'validated' : 'definition', before: cx, after: cy });
      }
    }, `${name}.`);
  });

  diffKeyed('function', a.functions, b.functions, push, (name, x, y) => {
    for (const prop of ['kind', 'result', 'language', 'volatility', 'bodyHash'] as const) {
      if (x[prop] !== y[prop]) push({ kind: 'function', object: name, change: 'altered', detail: prop === 'bodyHash' ? 'body' : prop, before: x[prop], after: y[prop] });
    }
    if (!same(x.acl, y.acl)) push({ kind: 'grant', object: `function ${name}`, change: 'altered', detail: 'privileges', before: x.acl, after: y.acl });
  });

  diffKeyed('extension', a.extensions, b.extensions, push, (name, x, y) => {
    if (x !== y) push({ kind: 'extension', object: name, change: 'altered', detail: 'version', before: x, after: y });
  });

  return { identical: changes.length === 0, changes };
}

/**
 * What the migration created, as classification object keys (`table:s.t`,
 * `column:s.t.c`, `sequence:s.q`): the statements that fill these write no
 * pre-existing data.
 */
export function addedObjects(diff: SchemaDiff): string[] {
  const out: string[] = [];
  // A column dropped and added again under its name held data before: the statements dropping it are not about a new one.
  const removed = new Set(diff.changes.filter((c) => c.change === 'removed').map((c) => `${c.kind}:${c.object}`));
  for (const c of diff.changes) {
    if (c.change !== 'added' || removed.has(`${c.kind}:${c.object}`)) continue;
    if (c.kind === 'table' || c.kind === 'column' || c.kind === 'sequence') out.push(`${c.kind}:${c.object}`);
    if (c.kind === 'view') out.push(`view:${c.object}`, `table:${c.object}`);
  }
  return out;
}

function diffRelation(key: string, x: RelationSnapshot, y: RelationSnapshot, push: (c: SchemaChange) => void): void {
  const kind = relKind(x);
  if (x.kind !== y.kind) push({ kind, object: key, change: 'altered', detail: 'kind', before: x.kind, after: y.kind });
  // Views and partitioned tables have no storage of their own (relfilenode 0).
  if (x.relfilenode !== 0 && y.relfilenode !== 0 && x.relfilenode !== y.relfilenode && kind === 'table') {
    push({ kind, object: key, change: 'rewritten', detail: 'relfilenode', before: x.relfilenode, after: y.relfilenode });
  }
  if (x.persistence !== y.persistence) push({ kind, object: key, change: 'altered', detail: 'persistence', before: x.persistence, after: y.persistence });
  if (x.rowSecurity !== y.rowSecurity) push({ kind, object: key, change: 'altered', detail: 'row security', before: x.rowSecurity, after: y.rowSecurity });
  if (x.forceRowSecurity !== y.forceRowSecurity) push({ kind, object: key, change: 'altered', detail: 'force row security', before: x.forceRowSecurity, after: y.forceRowSecurity });
  if (x.definition !== y.definition) push({ kind, object: key, change: 'altered', detail: 'definition', before: x.definition, after: y.definition });
  if (!same(x.acl, y.acl)) push({ kind: 'grant', object: key, change: 'altered', detail: 'privileges', before: x.acl, after: y.acl });

  // Columns: by name, then leftovers paired by attnum (renames).
  const goneCols = Object.keys(x.columns).filter((c) => !(c in y.columns));
  const newCols = new Set(Object.keys(y.columns).filter((c) => !(c in x.columns)));
  for (const col of goneCols) {
    const pos = x.columns[col]!.position;
    const match = [...newCols].find((c) => y.columns[c]!.position === pos);
    if (match) {
      newCols.delete(match);
      push({ kind: 'column', object: `${key}.${col}`, change: 'renamed', detail: match, before: col, after: match });
      diffColumn(`${key}.${col}`, x.columns[col]!, y.columns[match]!, push);
    } else {
      push({ kind: 'column', object: `${key}.${col}`, change: 'removed', detail: x.columns[col]!.type, before: x.columns[col] });
    }
  }
  for (const col of newCols) push({ kind: 'column', object: `${key}.${col}`, change: 'added', detail: y.columns[col]!.type, after: y.columns[col] });
  for (const col of Object.keys(x.columns)) {
    if (!(col in y.columns)) continue;
    // Another attnum under the same name: dropped and added again (what TypeORM generates for a type change), its values gone.
    if (x.columns[col]!.position !== y.columns[col]!.position) {
      push({ kind: 'column', object: `${key}.${col}`, change: 'removed', detail: x.columns[col]!.type, before: x.columns[col] });
      push({ kind: 'column', object: `${key}.${col}`, change: 'added', detail: y.columns[col]!.type, after: y.columns[col] });
    } else {
      diffColumn(`${key}.${col}`, x.columns[col]!, y.columns[col]!, push);
    }
  }

  diffKeyed('constraint', x.constraints, y.constraints, push, (name, cx, cy) => {
    if (cx.definition !== cy.definition) push({ kind: 'constraint', object: `${key}.${name}`, change: 'altered', detail: 'definition', before: cx.definition, after: cy.definition });
    if (cx.validated !== cy.validated) push({ kind: 'constraint', object: `${key}.${name}`, change: 'altered', detail: 'validated', before: cx.validated, after: cy.validated });
  }, `${key}.`);
  diffKeyed('index', x.indexes, y.indexes, push, (name, ix, iy) => {
    if (ix.definition !== iy.definition) push({ kind: 'index', object: `${key}.${name}`, change: 'altered', detail: 'definition', before: ix.definition, after: iy.definition });
    if (ix.valid !== iy.valid) push({ kind: 'index', object: `${key}.${name}`, change: 'altered', detail: 'valid', before: ix.valid, after: iy.valid });
    if (ix.relfilenode !== iy.relfilenode && ix.relfilenode !== 0 && iy.relfilenode !== 0) {
      push({ kind: 'index', object: `${key}.${name}`, change: 'rewritten', detail: 'relfilenode', before: ix.relfilenode, after: iy.relfilenode });
    }
  }, `${key}.`);
  diffKeyed('trigger', x.triggers, y.triggers, push, (name, tx, ty) => {
    if (tx !== ty) push({ kind: 'trigger', object: `${key}.${name}`, change: 'altered', detail: 'definition', before: tx, after: ty });
  }, `${key}.`);
}

function diffColumn(object: string, x: ColumnSnapshot, y: ColumnSnapshot, push: (c: SchemaChange) => void): void {
  for (const prop of ['type', 'notNull', 'default', 'identity', 'generated', 'collation'] as const) {
    if (x[prop] !== y[prop]) push({ kind: 'column', object, change: 'altered', detail: prop, before: x[prop], after: y[prop] });
  }
  if (!same(x.acl, y.acl)) push({ kind: 'grant', object, change: 'altered', detail: 'privileges', before: x.acl, after: y.acl });
}

function diffKeyed<T>(
  kind: SchemaChangeKind,
  a: Record<string, T>,
  b: Record<string, T>,
  push: (c: SchemaChange) => void,
  both: (name: string, x: T, y: T) => void,
  prefix = '',
): void {
  for (const name of Object.keys(a)) {
    if (!(name in b)) push({ kind, object: `${prefix}${name}`, change: 'removed', detail: '', before: a[name] });
  }
  for (const name of Object.keys(b)) {
    if (!(name in a)) push({ kind, object: `${prefix}${name}`, change: 'added', detail: '', after: b[name] });
    else both(name, a[name]!, b[name]!);
  }
}

function relKind(rel: RelationSnapshot): SchemaChangeKind {
  if (rel.kind === 'view' || rel.kind === 'materialized view') return 'view';
  if (rel.kind === 'sequence') return 'sequence';
  return 'table';
}

function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}
