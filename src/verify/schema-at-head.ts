/**
 * The live schema against the one recorded at the migration head (a verify
 * run outside an undo: after someone ran the tool's down by hand, after any
 * incident). Sorted the way it matters before traffic returns:
 *
 *   missing     — an object the record holds that the database lacks (an
 *                 index, constraint, column, table, sequence, type, enum
 *                 value, grant): the application at this head may need it.
 *                 Fails.
 *   differs     — an object on both sides, other than recorded (a default, a
 *                 type, NOT NULL, a definition): fails, for the same reason.
 *   left behind — an object beyond the record that the up of a migration
 *                 after the head creates: a down that did not remove it (the
 *                 up fails when it is applied again). Fails.
 *   kept        — made since the record by a migration that stays applied
 *                 (a Flyway repeatable re-applied: a view's new definition):
 *                 expected as it is. Reported.
 *   extra       — any other object beyond the record (an index added by
 *                 hand during the incident, a grant to a reporting role, an
 *                 enum value a down cannot drop): additive, so the application
 *                 at this head runs on it; nothing says who made it or that
 *                 it is wrong. Reported, not failed.
 *
 * The comparison is the round trip's (db/schema/round-trip.ts): by name,
 * physical identities (oids, attnums, relfilenodes) left out.
 */
import { quoteIdent, quoteQualified } from '../db/connection.js';
import type { SchemaChange } from '../db/schema/diff.js';
import { describeChange } from '../db/schema/logical.js';
import { displayObject, roundTripChanges } from '../db/schema/round-trip.js';
import type { SchemaSnapshot } from '../db/schema/snapshot.js';
import { creates, objectAndRelation } from '../sql/creates.js';
import type { MigrationUp } from './check.js';

export interface HeadComparison {
  missing: SchemaChange[];
  differs: SchemaChange[];
  leftBehind: Array<{ change: SchemaChange; by: string }>;
  extra: SchemaChange[];
  /** Made since the record by a migration that stays applied (a Flyway repeatable re-applied): expected as it is. */
  kept: Array<{ change: SchemaChange; by: string }>;
}

export async function compareWithHeadRecord(record: SchemaSnapshot, live: SchemaSnapshot, ups: () => Promise<{ later: readonly MigrationUp[]; staying: readonly MigrationUp[] }>): Promise<HeadComparison> {
  const out: HeadComparison = { missing: [], differs: [], leftBehind: [], extra: [], kept: [] };
  const changes = roundTripChanges(record, live);
  // The migrations' SQL is read only when there is a difference to explain.
  const { later, staying } = changes.length > 0 ? await ups() : { later: [], staying: [] };
  for (const change of changes) {
    // An object the repeatable creates is explained by it when it is there, not when it is gone.
    const refs = objectAndRelation(change).filter((ref) => change.change !== 'removed' || ref.object !== change.object);
    const stays = staying.find((up) => up.statements.some((stmt) => refs.some((ref) => creates(stmt, ref))));
    if (stays) out.kept.push({ change, by: stays.name });
    else if (change.change === 'removed') out.missing.push(change);
    else if (change.change !== 'added' && !additive(change)) out.differs.push(change);
    else {
      const by = change.change === 'added' ? later.find((up) => up.statements.some((stmt) => creates(stmt, { kind: change.kind, object: change.object }))) : undefined;
      if (by) out.leftBehind.push({ change, by: by.name });
      else out.extra.push(change);
    }
  }
  return out;
}

/** A change to an object the record holds that only adds to it: enum values added, privileges granted. */
export function additive(change: SchemaChange): boolean {
  if (change.change !== 'altered') return false;
  if (change.kind === 'enum') return /^values added: [^;]*$/.test(change.detail);
  if (change.kind === 'grant' && Array.isArray(change.before) && Array.isArray(change.after)) {
    const after = new Set(change.after as string[]);
    return (change.before as string[]).every((entry) => after.has(entry));
  }
  return false;
}

/** "index events_kind_idx on public.events", "column public.events.payload (jsonb)", "enum public.mood: values removed: sad". */
export function nameMissing(change: SchemaChange): string {
  if (change.change === 'removed') return `${change.kind} ${displayObject(change.kind, change.object)}${change.detail && change.kind === 'column' ? ` (${change.detail})` : ''}`;
  return describeChange(change);
}

/**
 * The recorded definition of a missing index or constraint, as the statement that makes it again
 * (identifiers as pg_get_indexdef / pg_get_constraintdef print them); null for other kinds.
 */
export function recreateStatement(record: SchemaSnapshot, change: SchemaChange): string | null {
  const parts = change.object.split('.');
  if (parts.length < 3) return null;
  const relation = record.relations[`${parts[0]}.${parts[1]}`];
  const name = parts.slice(2).join('.');
  if (change.kind === 'index') {
    const index = relation?.indexes[name];
    // A primary key's or unique constraint's index comes back with its constraint.
    return index && !index.primary && !relation?.constraints[name] ? `${index.definition};` : null;
  }
  if (change.kind === 'constraint') {
    const constraint = relation?.constraints[name];
    return constraint && constraint.type !== 'not null' ? `ALTER TABLE ${quoteQualified(parts[0]!, parts[1]!)} ADD CONSTRAINT ${quoteIdent(name)} ${constraint.definition};` : null;
  }
  return null;
}

/** The tables a missing column, table or sequence is in: what a table restore brings back with its data. */
export function tablesOf(changes: readonly SchemaChange[]): string[] {
  const tables = new Set<string>();
  for (const c of changes) {
    if (c.change !== 'removed') continue;
    if (c.kind === 'table') tables.add(c.object);
    if (c.kind === 'column') tables.add(c.object.split('.').slice(0, 2).join('.'));
  }
  return [...tables].sort();
}

