/**
 * Which tables an undo is expected to change, so verify reports (instead of
 * failing) their differences from the backup taken just before: tables whose
 * schema the downs changed (catalog diff: tool-agnostic, works for code
 * migrations too) and tables the downs' SQL writes to (UPDATE, DELETE, ...).
 */
import { relKey } from '../classify/ast.js';
import type { SchemaDiff } from '../classify/catalog/diff.js';
import type { ParsedStatement } from '../classify/parser.js';
import type { TableRef } from '../../verify/fingerprint.js';

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

/** Every relation a statement names (targets of DML, ALTER, DROP, TRUNCATE ...). */
export function tablesNamedBySql(statements: readonly ParsedStatement[]): string[] {
  const out: string[] = [];
  // Relations appear both as RangeVar nodes and as bare `relation: {relname, schemaname}` fields.
  const scan = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(scan);
    if (typeof value !== 'object' || value === null) return;
    const fields = value as Record<string, unknown>;
    if (typeof fields.relname === 'string') {
      const key = relKey(fields);
      if (key) out.push(key);
    }
    Object.values(fields).forEach(scan);
  };
  for (const stmt of statements) scan(stmt.node);
  return out;
}

export function toTableRefs(keys: Iterable<string>): TableRef[] {
  return [...new Set(keys)].sort().map((key) => {
    const dot = key.indexOf('.');
    return { schema: key.slice(0, dot), table: key.slice(dot + 1) };
  });
}
