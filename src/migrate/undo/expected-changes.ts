/**
 * Which tables an undo is expected to change, so verify reports (instead of
 * failing) their differences from the backup taken just before: tables whose
 * schema the downs changed (catalog diff: tool-agnostic, works for code
 * migrations too) and tables the downs' SQL writes to (UPDATE, DELETE, ...).
 */
import { splitRelKey } from '../../sql/ast.js';
import { relationsOf } from '../../tools/capture/captured-sql.js';
import type { SchemaDiff } from '../../db/schema/diff.js';
import type { ParsedStatement } from '../../sql/parser.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';

const RELATION_KINDS = new Set(['table', 'column', 'constraint', 'trigger', 'grant']);

export function tablesChangedBySchema(diff: SchemaDiff): string[] {
  const out: string[] = [];
  for (const change of diff.changes) {
    if (!RELATION_KINDS.has(change.kind)) continue;
    // Column and constraint objects are "schema.table.name"; relations "schema.table".
    const parts = change.object.replace(/^(function|schema) /, '').split('.');
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

export function toTableRefs(keys: Iterable<string>): TableRef[] {
  return [...new Set(keys)].sort().map(splitRelKey);
}
