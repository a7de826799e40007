/**
 * Which tables an undo is expected to change, so verify reports (instead of
 * failing) their differences from the backup taken just before: tables whose
 * schema the downs changed (catalog diff: tool-agnostic, works for code
 * migrations too) and tables the downs' SQL writes to (UPDATE, DELETE, ...).
 */
import { splitRelKey } from '../../sql/ast.js';
import { relationsOf } from '../../tools/capture/captured-sql.js';
import type { SchemaDiff } from '../../db/schema/diff.js';
import type { SchemaSnapshot } from '../../db/schema/snapshot.js';
import type { ParsedStatement } from '../../sql/parser.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';

const RELATION_KINDS = new Set(['table', 'column', 'constraint', 'trigger', 'grant']);

/**
 * `known`: the relations' keys and parts (the snapshots' `ref`s): a key is matched whole, never split, where a
 * name holds a dot (`Sales.EU.Order Line.id` is column `id` of "Sales.EU"."Order Line").
 */
export function tablesChangedBySchema(diff: SchemaDiff, known: ReadonlyMap<string, TableRef> = new Map()): string[] {
  const out: string[] = [];
  const longestKnown = (object: string): string | undefined =>
    [...known.keys()].filter((k) => object.startsWith(`${k}.`)).sort((a, b) => b.length - a.length)[0];
  for (const change of diff.changes) {
    if (!RELATION_KINDS.has(change.kind)) continue;
    const object = change.object.replace(/^(function|schema) /, '');
    const whole = change.kind === 'table' || change.kind === 'grant' ? (known.has(object) ? object : undefined) : longestKnown(object);
    if (whole !== undefined) {
      out.push(whole);
      if (change.change === 'renamed' && change.kind === 'table') out.push(String(change.detail));
      continue;
    }
    // Column and constraint objects are "schema.table.name"; relations "schema.table".
    const parts = object.split('.');
    const relation = change.kind === 'table' || change.kind === 'grant' ? parts.slice(0, 2) : parts.slice(0, -1);
    if (relation.length === 2) out.push(relation.join('.'));
    if (change.change === 'renamed' && change.kind === 'table') out.push(String(change.detail));
  }
  return out;
}

/** Every relation the statements name (targets of DML, ALTER, DROP, TRUNCATE ...). */
export function tablesNamedBySql(statements: readonly ParsedStatement[]): string[] {
  return statements.flatMap((stmt) => relationsOf(stmt.node));
}

export function toTableRefs(keys: Iterable<string>, known: ReadonlyMap<string, TableRef> = new Map()): TableRef[] {
  return [...new Set(keys)].sort().map((key) => known.get(key) ?? splitRelKey(key));
}

/** The relations of snapshots by key, with their parts. */
export function knownRelations(...snapshots: SchemaSnapshot[]): Map<string, TableRef> {
  const out = new Map<string, TableRef>();
  for (const snapshot of snapshots) for (const [key, rel] of Object.entries(snapshot.relations)) if (rel.ref) out.set(key, rel.ref);
  return out;
}
