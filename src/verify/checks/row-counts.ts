/**
 * Every table has as many rows as in the baseline — except the tables the
 * rollback was expected to change, which are reported, not failed.
 */
import type { Check } from '../check.js';
import { compareTables, describeDiff, outsideBaseline, plural, reportedNote } from '../compare.js';

export const rowCounts: Check = {
  id: 'row-counts',
  uses: 'context',
  description: 'every table has the row count of the baseline (--baseline / --baseline-file)',
  async run(ctx) {
    const baseline = ctx.baseline;
    if (!baseline) return { status: 'skip', detail: 'no baseline: pass --baseline BACKUP_ID|latest or --baseline-file FILE' };
    const live = await ctx.live.get();
    const cmp = compareTables(baseline.tables, live, ctx.expectChanged, 'rows');
    const data = { baseline: baseline.source, matched: cmp.matched, differences: cmp.differences, expectedChanges: cmp.expected, ...(cmp.own.length > 0 ? { recoverySchemas: cmp.own } : {}) };
    const outside = outsideBaseline(baseline, ctx.untouched, ctx.expectChanged);
    const expectedNote = `${reportedNote(cmp)}${outside.note}`;
    if (outside.problems.length > 0 && cmp.differences.length === 0) {
      return { status: 'fail', detail: `${plural(outside.problems.length, 'table')} outside ${baseline.source} were written${expectedNote}`, problems: outside.problems, data };
    }
    if (cmp.differences.length > 0) {
      return {
        status: 'fail',
        detail: `${plural(cmp.differences.length, 'table')} ${cmp.differences.length === 1 ? 'differs' : 'differ'} from ${baseline.source} in row count${expectedNote}`,
        problems: [...cmp.differences.map(describeDiff), ...outside.problems],
        data,
      };
    }
    return { status: 'pass', detail: `${plural(cmp.matched, 'table')} ${cmp.matched === 1 ? 'matches' : 'match'} the row counts of ${baseline.source}${expectedNote}`, data };
  },
};
