/**
 * Where a migration was run in a scratch database, what it really did to the
 * catalog decides the findings that are about the catalog: a `DROP DEFAULT`
 * on a column that had none, a `SET NOT NULL` on a column already NOT NULL,
 * a type change PostgreSQL made without rewriting the table. ORMs send such
 * statements routinely (Sequelize's `changeColumn` always sends nullability,
 * default and type together); the parser, seeing one statement at a time,
 * cannot know they change nothing — the catalog diff does.
 *
 * A finding overruled here leaves the statement's verdict (its effect no
 * longer counts) and is listed with the reason, so the report says why. The
 * parser's verdict stands wherever nothing was captured.
 */
import { escapeRegExp } from '../sql/escape-regexp.js';
import type { SchemaChange, SchemaDiff } from '../db/schema/diff.js';
import { parseTypeText } from './classify-sql.js';
import { compareTypes } from './type-change.js';
import type { Finding, SqlClassification, StatementVerdict } from './types.js';
import { axesFromEffects, summarize } from './verdict.js';

export interface OverruledFinding {
  rule: string;
  /** Line of the statement in the captured SQL. */
  line: number;
  object: string;
  /** What the catalog showed instead. */
  why: string;
}

export interface CatalogJudged {
  classification: SqlClassification;
  overruled: OverruledFinding[];
}

/** `sql`: the statement the finding is about. */
type Judge = (column: string, changes: ColumnChanges, diff: SchemaDiff, sql: string) => string | null;

interface ColumnChanges {
  type?: SchemaChange;
  notNull?: SchemaChange;
  default?: SchemaChange;
}

/** Per rule: the reason to overrule it given what happened to its column, or null to keep it. */
const JUDGES: Record<string, Judge> = {
  'drop-default': (column, c) =>
    c.default === undefined ? `the default of ${column} did not change (it had none)` : c.default.after !== null && c.default.after !== undefined ? `${column} still has a default (${String(c.default.after)}): it was set again` : null,
  'set-not-null': (column, c) => (c.notNull === undefined ? `${column} was already NOT NULL` : null),
  // Knex's `.alter()` restates a column as DROP NOT NULL, TYPE, SET NOT NULL: what counts is where the column ended.
  'drop-not-null': (column, c) => (c.notNull === undefined ? `${column} was already nullable` : c.notNull.after === true ? `${column} ended NOT NULL (it was nullable before)` : null),
  'narrowing-column-type': (column, c) => {
    if (c.type === undefined) return `the type of ${column} did not change`;
    const from = parseTypeText(String(c.type.before));
    const to = parseTypeText(String(c.type.after));
    return from && to && compareTypes(from, to).widening ? `${column} went from ${String(c.type.before)} to ${String(c.type.after)}: a widening, every old value fits` : null;
  },
  'change-column-type': (column, c, diff) => {
    const table = tableOf(column);
    if (rewritten(diff, table)) return null;
    return c.type === undefined ? `the type of ${column} did not change` : `${table} was not rewritten (same relfilenode): ${String(c.type.before)} → ${String(c.type.after)} is binary-coercible`;
  },
  // A USING that converts values makes PostgreSQL rewrite the table; one it could skip (`"name"::varchar(255)` on a
  // varchar(255), as Knex's `.alter()` restates every column) changed no stored value.
  'lossy-type-change': (column, c, diff, sql) => {
    const table = tableOf(column);
    if (rewritten(diff, table)) {
      // A plain cast between integer types holds every value exactly or fails the migration (int4 → int2, as Knex's
      // `.alter()` writes it): the migration ran, so every value came through unchanged. (Not varchar(n): an explicit
      // cast to a shorter one truncates silently.)
      const from = c.type ? parseTypeText(String(c.type.before)) : undefined;
      const to = c.type ? parseTypeText(String(c.type.after)) : undefined;
      if (!from || !to || from.array || to.array || !INTEGERS.has(from.name) || !INTEGERS.has(to.name)) return null;
      if (!plainCastOf(sql, column.slice(column.lastIndexOf('.') + 1))) return null;
      return `${String(c.type!.before)} → ${String(c.type!.after)} through a plain cast keeps every value or fails: the migration ran, so no value of ${column} was changed`;
    }
    return c.type === undefined
      ? `the type of ${column} did not change and ${table} was not rewritten (same relfilenode): no stored value was converted`
      : `${table} was not rewritten (same relfilenode): ${String(c.type.before)} → ${String(c.type.after)} kept every stored value as it was`;
  },
};

const INTEGERS = new Set(['int2', 'int4', 'int8']);

/** `USING ("col"::type)` / `USING col::type` and nothing else. */
function plainCastOf(sql: string, column: string): boolean {
  const using = /\busing\s+([\s\S]*?);?\s*$/i.exec(sql)?.[1];
  if (using === undefined) return false;
  const bare = using.trim().replace(/^\((.*)\)$/s, '$1').trim();
  const quoted = column.replace(/"/g, '""');
  return new RegExp(`^(?:"${escapeRegExp(quoted)}"|${escapeRegExp(column)})\\s*::\\s*[\\w\\s(),."]+$`, 'i').test(bare);
}

const tableOf = (column: string): string => column.slice(0, column.lastIndexOf('.'));
const rewritten = (diff: SchemaDiff, table: string): boolean => diff.changes.some((ch) => ch.change === 'rewritten' && ch.kind === 'table' && ch.object === table);

export function judgedByCatalog(classification: SqlClassification, diff: SchemaDiff): CatalogJudged {
  const byColumn = new Map<string, ColumnChanges>();
  for (const change of diff.changes) {
    if (change.kind !== 'column' || change.change !== 'altered') continue;
    if (change.detail !== 'type' && change.detail !== 'notNull' && change.detail !== 'default') continue;
    const entry = byColumn.get(change.object) ?? {};
    entry[change.detail] = change;
    byColumn.set(change.object, entry);
  }
  const overruled: OverruledFinding[] = [];
  const statements = classification.statements.map((statement): StatementVerdict => {
    const kept: Finding[] = [];
    for (const finding of statement.findings) {
      const why = verdictOf(finding, byColumn, diff, statement.sql);
      if (why === null) kept.push(finding);
      else overruled.push({ rule: finding.rule, line: statement.line, object: finding.object!, why });
    }
    if (kept.length === statement.findings.length) return statement;
    const axes = axesFromEffects([...kept, ...statement.suppressed].map((f) => f.effect));
    return { ...statement, ...axes, findings: kept };
  });
  if (overruled.length === 0) return { classification, overruled };
  // Overruled findings change the verdict axes, not where the statements run.
  return { classification: { ...classification, ...summarize(statements), transactional: classification.transactional, statements }, overruled };
}

function verdictOf(finding: Finding, byColumn: ReadonlyMap<string, ColumnChanges>, diff: SchemaDiff, sql: string): string | null {
  const judge = JUDGES[finding.rule];
  if (!judge || !finding.object?.startsWith('column:')) return null;
  const column = finding.object.slice('column:'.length);
  // A column the diff does not know at all (renamed, dropped, or never there) is not the catalog's to judge.
  if (diff.changes.some((c) => c.kind === 'column' && (c.change === 'renamed' || c.change === 'removed' || c.change === 'added') && c.object === column)) return null;
  return judge(column, byColumn.get(column) ?? {}, diff, sql);
}
