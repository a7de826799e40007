/**
 * A schema round trip's differences, named as a DBA reads them: "down of 002
 * drops index events_kind_idx on public.events, which 001 created".
 *
 * Compared by name (db/schema/logical.ts): what a down and an up again may
 * legitimately change in storage — oids, attnums (a column dropped and added
 * back sits at the end), relfilenodes (a rewrite), a sequence's current value
 * (not part of a snapshot) — is not a difference; nor is a function body
 * re-created with other white space. Everything else is: a grant lost, a
 * default changed, an index or constraint gone or left, an enum value left.
 */
import type { SchemaChange, SchemaChangeKind } from './diff.js';
import { describeChange, diffLogical, LogicalIds } from './logical.js';
import type { SchemaSnapshot } from './snapshot.js';
import { canonicalExpression } from './canonical-expression.js';

export interface SchemaDifference {
  /** The migration whose down leaves the difference. */
  migration: string;
  kind: SchemaChangeKind;
  /** `schema.name`, or `schema.table.name` for columns, indexes, constraints, triggers. */
  object: string;
  /**
   * `drops`: the down removes something that existed before the migration;
   * `not-restored`: the up removed it and the down does not bring it back;
   * `leaves`: the down leaves something that did not exist before the migration;
   * `alters`: it exists on both sides, differently;
   * `missing`: it is gone already, though no migration undone removed it
   *   (an earlier undo's accepted difference, a change by hand): after the
   *   downs the schema still lacks it.
   */
  effect: 'drops' | 'not-restored' | 'leaves' | 'alters' | 'missing';
  /** What differs, for `alters` (`default`, `privileges`, `values added: x`). */
  detail: string;
  /** The earlier migration that created the object, when known. */
  createdBy: string | null;
  /** The sentence for people. */
  message: string;
}

/** Identity of a difference, to match what plan named with what verify finds. */
export function differenceKey(d: Pick<SchemaDifference, 'kind' | 'object' | 'effect' | 'detail'>): string {
  // The verify gate sees each of these as the object removed: accepted under one key.
  return `${d.kind}|${d.object}|${d.effect === 'not-restored' || d.effect === 'missing' ? 'drops' : d.effect}|${d.detail}`;
}

/**
 * Identity of a change a migration that stays applied through an undo made (a repeatable's view added): the
 * same change after the undo is expected; another one to the same object (the view dropped by a CASCADE) is not.
 */
export function keptKey(c: Pick<SchemaChange, 'kind' | 'object' | 'change' | 'detail'>): string {
  return `${c.kind}|${c.object}|${c.change}|${c.detail}`;
}

/** The changes from `before` to `after` that a round trip must not make. */
export function roundTripChanges(before: SchemaSnapshot, after: SchemaSnapshot): SchemaChange[] {
  return diffLogical(shaped(before), shaped(after), new LogicalIds()).changes.filter((c) => c.change !== 'rewritten');
}

/**
 * One change as a difference of `migration`'s round trip. `afterUp` (when the
 * up was really run) tells a down that drops what existed from an up whose
 * removal the down does not undo.
 */
export function toDifference(migration: string, change: SchemaChange, createdBy: string | null, afterUp?: SchemaSnapshot, alreadyMissing = false): SchemaDifference {
  const effect: SchemaDifference['effect'] = change.change === 'added'
    ? 'leaves'
    : change.change === 'removed'
      ? alreadyMissing ? 'missing' : afterUp && !existsIn(afterUp, change) ? 'not-restored' : 'drops'
      : 'alters';
  const detail = effect === 'alters' ? change.detail : '';
  const what = `${change.kind} ${displayObject(change.kind, change.object)}`;
  const origin = createdBy ? `which ${createdBy} created` : `which existed before ${migration}`;
  const message = effect === 'missing'
    ? `${what} is missing already: the schema recorded before ${migration} holds it${createdBy ? ` (${createdBy} created it)` : ''}, and no migration being undone drops it — it was removed since by something else (an earlier undo's accepted schema difference, or by hand), so after the downs the schema still differs from the record`
    : effect === 'drops'
    ? `down of ${migration} drops ${what}, ${origin}`
    : effect === 'not-restored'
      ? `up of ${migration} drops ${what} and its down does not bring it back`
      : effect === 'leaves'
        ? `down of ${migration} leaves ${what}, which did not exist before ${migration}`
        : `after the down of ${migration}, ${describeChange(change).replace(/ altered: /, ' differs from before it: ')}`;
  return { migration, kind: change.kind, object: change.object, effect, detail, createdBy, message };
}

/** `index events_kind_idx on public.events`; other kinds keep their qualified name. */
export function displayObject(kind: SchemaChangeKind, object: string): string {
  if (kind !== 'index' && kind !== 'constraint' && kind !== 'trigger') return object;
  const parts = object.split('.');
  if (parts.length < 3) return object;
  return `${parts.slice(2).join('.')} on ${parts.slice(0, 2).join('.')}`;
}

/**
 * Function bodies compared by their shape (white space folded), when both snapshots have it; deparsed expressions
 * (constraints, indexes, views, defaults, triggers) in the form parsing them again gives (canonical-expression.ts):
 * a schema restored from a logical backup is the schema that was dumped.
 */
function shaped(snapshot: SchemaSnapshot): SchemaSnapshot {
  const functions: SchemaSnapshot['functions'] = {};
  for (const [key, f] of Object.entries(snapshot.functions)) functions[key] = f.bodyShapeHash ? { ...f, bodyHash: f.bodyShapeHash } : f;
  const relations: SchemaSnapshot['relations'] = {};
  for (const [key, r] of Object.entries(snapshot.relations)) {
    relations[key] = {
      ...r,
      columns: mapValues(r.columns, (c) => ({ ...c, default: c.default === null ? null : canonicalExpression(c.default), generated: c.generated === null ? null : canonicalExpression(c.generated) })),
      constraints: mapValues(r.constraints, (c) => ({ ...c, definition: canonicalExpression(c.definition) })),
      indexes: mapValues(r.indexes, (i) => ({ ...i, definition: canonicalExpression(i.definition) })),
      triggers: mapValues(r.triggers, canonicalExpression),
      definition: r.definition === null ? null : canonicalExpression(r.definition),
    };
  }
  const domains = mapValues(snapshot.domains, (d) => ({ ...d, default: d.default === null ? null : canonicalExpression(d.default), constraints: mapValues(d.constraints, (c) => ({ ...c, definition: canonicalExpression(c.definition) })) }));
  return { ...snapshot, relations, domains, functions };
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const [key, value] of Object.entries(record)) out[key] = f(value);
  return out;
}

/** Whether the object of a `removed` change is in `snapshot`. */
function existsIn(snapshot: SchemaSnapshot, change: SchemaChange): boolean {
  const o = change.object;
  const [schema, table, ...rest] = o.split('.');
  const rel = snapshot.relations[`${schema}.${table}`];
  switch (change.kind) {
    case 'table':
    case 'view':
    case 'sequence':
      return o in snapshot.relations;
    case 'column':
      return rel !== undefined && rest.join('.') in rel.columns;
    case 'index':
      return rel !== undefined && rest.join('.') in rel.indexes;
    case 'constraint':
      return (rel !== undefined && rest.join('.') in rel.constraints) || Object.keys(snapshot.domains).some((d) => o.startsWith(`${d}.`));
    case 'trigger':
      return rel !== undefined && rest.join('.') in rel.triggers;
    case 'enum':
      return o in snapshot.enums;
    case 'domain':
      return o in snapshot.domains;
    case 'function':
      return o in snapshot.functions;
    case 'schema':
      return o in snapshot.schemas;
    case 'extension':
      return o in snapshot.extensions;
    default:
      return true;
  }
}
