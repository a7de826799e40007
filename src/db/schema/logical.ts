/**
 * Schema snapshots compared as a person reads a schema, not as the server
 * stores it. A down that drops a column and the next up that re-adds it give
 * the table a new attnum; a down that rewrites a table gives it a new
 * relfilenode; a table dropped and created again gets a new oid. None of
 * that is a difference a round trip must avoid, so those physical
 * identities are replaced by ids derived from the object's name (shared by
 * every snapshot normalised with the same `LogicalIds`): same name, same id.
 * The price: a rename is shown as a removal plus an addition.
 */
import type { SchemaChange, SchemaDiff } from './diff.js';
import { diffSchemas } from './diff.js';
import type { SchemaSnapshot } from './snapshot.js';

export class LogicalIds {
  private readonly ids = new Map<string, number>();

  of(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(name, id);
    }
    return id;
  }
}

export function logicalSnapshot(snapshot: SchemaSnapshot, ids: LogicalIds): SchemaSnapshot {
  const relations: SchemaSnapshot['relations'] = {};
  for (const [key, rel] of Object.entries(snapshot.relations)) {
    const columns: typeof rel.columns = {};
    for (const [name, col] of Object.entries(rel.columns)) columns[name] = { ...col, position: ids.of(`${key}.${name}`) };
    const indexes: typeof rel.indexes = {};
    for (const [name, index] of Object.entries(rel.indexes)) indexes[name] = { ...index, relfilenode: 0 };
    relations[key] = { ...rel, oid: ids.of(key), relfilenode: 0, columns, indexes };
  }
  return { ...snapshot, relations };
}

export function diffLogical(before: SchemaSnapshot, after: SchemaSnapshot, ids: LogicalIds): SchemaDiff {
  return diffSchemas(logicalSnapshot(before, ids), logicalSnapshot(after, ids));
}

/** "column public.customers.phone added (text)", "column public.orders.status altered: default 'new' → 'pending'". */
export function describeChange(c: SchemaChange): string {
  if (c.change === 'altered') return `${c.kind} ${c.object} altered: ${c.detail} ${show(c.before)} → ${show(c.after)}`;
  if (c.change === 'renamed') return `${c.kind} ${c.object} renamed to ${c.detail}`;
  return `${c.kind} ${c.object} ${c.change}${c.detail ? ` (${c.detail})` : ''}`;
}

/** The changes of a diff as one sentence per change, at most `limit` of them. */
export function describeDiff(diff: SchemaDiff, limit = 12): string {
  const lines = diff.changes.slice(0, limit).map(describeChange);
  if (diff.changes.length > limit) lines.push(`... and ${diff.changes.length - limit} more`);
  return lines.join('; ');
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
