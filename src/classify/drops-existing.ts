/**
 * The tables and columns a down drops that its up did not create: their rows
 * existed before the migration, so running the down destroys more than the up
 * made (`column public.agents.timezone`), and the migration is not reversible
 * — whatever the up alone looks like. classify (a file and its down) and plan
 * (a migration's up and down SQL as its tool gives them) both ask this.
 */
import { creates } from '../sql/creates.js';
import { as, list, names, str } from '../sql/ast.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { SqlClassification } from './types.js';

/** `table public.t` / `column public.t.c` for each such object, once, in the down's order. */
export function dropsExisting(down: Pick<SqlClassification, 'statements'>, up: readonly ParsedStatement[]): string[] {
  const out: string[] = [];
  for (const statement of down.statements) {
    for (const finding of statement.findings) {
      if ((finding.rule !== 'drop-table' && finding.rule !== 'drop-column') || finding.object === undefined) continue;
      const kind = finding.rule === 'drop-table' ? 'table' : 'column';
      const object = finding.object.slice(finding.object.indexOf(':') + 1);
      const named = `${kind} ${object}`;
      if (!out.includes(named) && !up.some((stmt) => creates(stmt, { kind, object }))) out.push(named);
    }
  }
  return out;
}

/**
 * The indexes a down drops that its up neither creates nor renames into
 * place (`index entries_account_id_index`): an earlier migration's, which
 * undo would leave missing — a down copied from another migration. Not data,
 * but not the schema from before the migration either. Nothing is said when
 * the up builds an index without a name (PostgreSQL names it: the down may
 * drop it by that name).
 */
export function dropsOtherIndexes(down: readonly ParsedStatement[], up: readonly ParsedStatement[]): string[] {
  if (up.some((stmt) => stmt.kind === 'IndexStmt' && !str(stmt.node.idxname))) return [];
  const out: string[] = [];
  for (const stmt of down) {
    if (stmt.kind !== 'DropStmt' || str(stmt.node.removeType) !== 'OBJECT_INDEX') continue;
    for (const item of list(stmt.node.objects)) {
      const parts = names(as(item, 'List')?.items ?? (as(item, 'String') ? [item] : []));
      const name = parts.at(-1);
      if (!name) continue;
      const object = parts.length > 1 ? parts.join('.') : name;
      if (!out.includes(`index ${object}`) && !up.some((u) => creates(u, { kind: 'index', object: `public.${name}` }))) out.push(`index ${object}`);
    }
  }
  return out;
}
