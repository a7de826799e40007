/**
 * The tables and columns a down drops that its up did not create: their rows
 * existed before the migration, so running the down destroys more than the up
 * made (`column public.agents.timezone`), and the migration is not reversible
 * — whatever the up alone looks like. classify (a file and its down) and plan
 * (a migration's up and down SQL as its tool gives them) both ask this.
 */
import { creates } from '../sql/creates.js';
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
