/**
 * Whether a down drops or retypes what a view of a migration that stays
 * applied through the undo uses (a Flyway repeatable's view over a column
 * the down drops): PostgreSQL refuses that, so the down would fail — or,
 * written with CASCADE, take the view with it. Read from the catalog's own
 * record of what each view uses (pg_depend through the view's rewrite rule),
 * so only a real use is named; a function's body is not recorded there and
 * is not looked at.
 */
import { quoteQualified, type Db } from '../../db/connection.js';
import { creates } from '../../sql/creates.js';
import type { MigrationInfo, MigratorAdapter } from '../../tools/contract.js';
import { parsedSqlOf } from '../../tools/parsed-sql.js';
import type { RiskTarget } from './at-risk.js';

/** One note per view of `staying` that a target of `migration`'s down is used by. */
export async function stayingDependents(db: Db, adapter: Pick<MigratorAdapter, 'sqlOf'>, staying: readonly MigrationInfo[], migration: string, targets: readonly RiskTarget[]): Promise<string[]> {
  const relevant = targets.filter((t) => t.table !== null && (t.action === 'drop-table' || t.action === 'drop-column' || t.action === 'alter-type'));
  if (staying.length === 0 || relevant.length === 0) return [];
  const ups = await Promise.all(staying.map(async (m) => ({ name: m.name, statements: (await parsedSqlOf(adapter, m.name, 'up')) ?? [] })));
  const notes: string[] = [];
  for (const target of relevant) {
    for (const view of await viewsUsing(db, target)) {
      const owner = ups.find((up) => up.statements.some((stmt) => creates(stmt, { kind: 'view', object: view })));
      if (!owner) continue;
      const what = target.action === 'drop-table' ? `drops table ${target.schema}.${target.table}` : `${target.action === 'drop-column' ? 'drops' : 'changes the type of'} column ${target.schema}.${target.table}.${target.column}`;
      notes.push(
        `the down of ${migration} ${what}, which view ${view} uses, and ${owner.name} (which made the view) stays applied: PostgreSQL refuses that, so the down fails (with CASCADE it drops the view too); change ${owner.name}'s script so the view no longer uses it and migrate first`,
      );
    }
  }
  return notes;
}

/** Views (plain or materialized) whose definition uses the table, or the column, as `schema.name`. */
async function viewsUsing(db: Db, target: RiskTarget): Promise<string[]> {
  const { rows } = await db.query<{ view: string }>(
    `SELECT DISTINCT n.nspname || '.' || v.relname AS view
       FROM pg_depend d
       JOIN pg_rewrite r ON r.oid = d.objid
       JOIN pg_class v ON v.oid = r.ev_class
       JOIN pg_namespace n ON n.oid = v.relnamespace
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.refobjid = to_regclass($1) AND v.oid <> d.refobjid
        AND ($2::text IS NULL OR d.refobjsubid = (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = d.refobjid AND a.attname = $2))
      ORDER BY 1`,
    [quoteQualified(target.schema, target.table!), target.action === 'drop-table' ? null : target.column],
  );
  return rows.map((r) => r.view);
}
