/**
 * Live tables against the baseline, as data: which tables match, which
 * differ (and how), and which differ but were expected to (the tables the
 * rollback was meant to change are reported, never failed).
 */
import { formatTableRef, tableKey, type BaselineTable } from './baseline.js';
import type { TableRef } from '../fingerprint/fingerprint.js';
import type { EnumReading } from './enum-columns.js';
import { RECOVERY_SCHEMA } from '../db/recovery-schemas.js';

export interface LiveTable extends TableRef {
  rows: number;
  /** Present when the table was fingerprinted. */
  hash?: string;
  /** Present when the scan also read the table's enum columns (see enum-columns.ts). */
  enums?: EnumReading[];
}

export type DiffKind = 'missing' | 'not-in-baseline' | 'rows' | 'content' | 'not-comparable';

export interface TableDiff extends TableRef {
  kind: DiffKind;
  baselineRows: number | null;
  liveRows: number | null;
}

export interface Comparison {
  /** Tables compared and found equal. */
  matched: number;
  /** Differences that fail the check. */
  differences: TableDiff[];
  /** Differences in tables the rollback was expected to change. */
  expected: TableDiff[];
  /** Differences in dbrollback's own recovery schemas (restore --tables' copies, --replace's tables kept aside): reported, never failed. */
  own: TableDiff[];
}

/**
 * Compare by row count (`rows`) or by content (`hash`: fingerprints; a count
 * difference is a content difference too). Tables in `expectChanged` move
 * to `expected` whatever their difference.
 */
export function compareTables(baseline: BaselineTable[], live: LiveTable[], expectChanged: TableRef[], by: 'rows' | 'hash'): Comparison {
  const expectedKeys = new Set(expectChanged.map(tableKey));
  const liveByKey = new Map(live.map((t) => [tableKey(t), t]));
  const baseKeys = new Set(baseline.map(tableKey));
  const result: Comparison = { matched: 0, differences: [], expected: [], own: [] };
  const record = (diff: TableDiff) => (RECOVERY_SCHEMA.test(diff.schema) ? result.own : expectedKeys.has(tableKey(diff)) ? result.expected : result.differences).push(diff);

  for (const base of baseline) {
    const now = liveByKey.get(tableKey(base));
    const ref = { schema: base.schema, table: base.table };
    if (!now) {
      record({ ...ref, kind: 'missing', baselineRows: base.rows, liveRows: null });
    } else if (by === 'rows' || expectedKeys.has(tableKey(base))) {
      // Tables expected to change are not fingerprinted: their counts are what the report shows.
      if (now.rows !== base.rows) record({ ...ref, kind: 'rows', baselineRows: base.rows, liveRows: now.rows });
      else if (by === 'rows') result.matched++;
    } else if (base.hash !== undefined && now.hash !== undefined) {
      if (methodOf(base.hash) !== methodOf(now.hash)) record({ ...ref, kind: 'not-comparable', baselineRows: base.rows, liveRows: now.rows });
      else if (base.hash !== now.hash || base.rows !== now.rows) record({ ...ref, kind: 'content', baselineRows: base.rows, liveRows: now.rows });
      else result.matched++;
    }
  }
  for (const now of live) {
    if (!baseKeys.has(tableKey(now))) record({ schema: now.schema, table: now.table, kind: 'not-in-baseline', baselineRows: null, liveRows: now.rows });
  }
  return result;
}

/** The hashing method of a fingerprint (`b:…` / `t:…`); older, unprefixed ones are their own kind. */
function methodOf(hash: string): string {
  const m = /^([a-z]):/.exec(hash);
  return m ? m[1]! : 'legacy';
}

/** What a table check adds to its detail: the differences expected, and those in dbrollback's own recovery schemas. */
export function reportedNote(cmp: Comparison): string {
  return (
    (cmp.expected.length > 0 ? `; expected to change: ${cmp.expected.map(describeDiff).join('; ')}` : '') +
    (cmp.own.length > 0 ? `; in dbrollback's own recovery schemas (restore --tables output, not compared): ${cmp.own.map(describeDiff).join('; ')}` : '')
  );
}

/** One line per difference, naming the table and the counts. */
export function describeDiff(diff: TableDiff): string {
  // As --expect-changed and --tables read it back: `"Sales.EU"."Order Line"`.
  const name = formatTableRef(diff);
  switch (diff.kind) {
    case 'missing':
      return `${name}: missing (baseline had ${plural(diff.baselineRows!, 'row')})`;
    case 'not-in-baseline':
      return `${name}: not in the baseline (${plural(diff.liveRows!, 'row')} now)`;
    case 'rows':
      return `${name}: ${plural(diff.baselineRows!, 'row')} in the baseline, ${diff.liveRows} now (${signed(diff.liveRows! - diff.baselineRows!)})`;
    case 'content':
      return diff.baselineRows === diff.liveRows
        ? `${name}: content differs (same ${plural(diff.liveRows!, 'row')}: values changed)`
        : `${name}: content differs (${plural(diff.baselineRows!, 'row')} in the baseline, ${diff.liveRows} now)`;
    case 'not-comparable':
      return `${name}: fingerprint taken with another hashing method (column types changed?) — cannot compare`;
  }
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/**
 * A partial baseline covers its own tables only. The others are judged by the
 * caller's write-counter evidence when there is some (undo), else said to be
 * not compared; a table outside the baseline that was written (and was not
 * expected to change) is a problem.
 */
export function outsideBaseline(baseline: { partial?: boolean; source: string }, untouched: UntouchedEvidence | undefined, expectChanged: TableRef[]): { note: string; problems: string[] } {
  if (!baseline.partial) return { note: '', problems: [] };
  if (!untouched) return { note: `; tables outside ${baseline.source} are not compared (it is partial)`, problems: [] };
  const expected = new Set(expectChanged.map(tableKey));
  const moved = untouched.moved.filter((t) => !expected.has(tableKey(t)));
  const problems = moved.map((t) => `${formatTableRef(t)}: written by the rollback though outside ${baseline.source} (${untouched.how} changed)`);
  return { note: `; ${plural(untouched.judged - moved.length, 'other table')} unchanged by ${untouched.how}`, problems };
}

/** With a partial baseline: how the tables outside it were judged (write counters before and after the downs). */
export interface UntouchedEvidence {
  /** How many tables outside the baseline were judged. */
  judged: number;
  moved: TableRef[];
  /** One phrase for the report: what was compared. */
  how: string;
}
