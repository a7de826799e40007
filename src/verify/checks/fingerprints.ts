/**
 * Every table holds the same content as in the baseline: order-independent
 * per-table hashes computed in the server (see ../fingerprint.ts) — catches a
 * changed value that leaves the row count alone. Tables the rollback was
 * expected to change are not hashed; their counts are reported.
 */
import type { Check } from '../check.js';
import { compareTables, describeDiff, outsideBaseline, plural, reportedNote } from '../compare.js';

export const fingerprints: Check = {
  id: 'fingerprints',
  uses: 'context',
  description: 'every table has the content fingerprint of the baseline',
  async run(ctx) {
    const baseline = ctx.baseline;
    if (!baseline) return { status: 'skip', detail: 'no baseline: pass --baseline BACKUP_ID|latest or --baseline-file FILE' };
    // A partial baseline may hold no table at all (the downs destroy nothing): the tables outside it are still judged.
    if (!baseline.partial && !baseline.tables.some((t) => t.hash !== undefined)) return { status: 'skip', detail: `${baseline.source} holds row counts only, no fingerprints` };
    const live = await ctx.live.get();
    const cmp = compareTables(baseline.tables, live, ctx.expectChanged, 'hash');
    const data = { baseline: baseline.source, matched: cmp.matched, differences: cmp.differences, expectedChanges: cmp.expected, ...(cmp.own.length > 0 ? { recoverySchemas: cmp.own } : {}) };
    const outside = outsideBaseline(baseline, ctx.untouched, ctx.expectChanged);
    const expectedNote = `${reportedNote(cmp)}${outside.note}`;
    if (outside.problems.length > 0 && cmp.differences.length === 0) {
      return { status: 'fail', detail: `${plural(outside.problems.length, 'table')} outside ${baseline.source} were written${expectedNote}`, problems: outside.problems, data };
    }
    if (cmp.differences.length > 0) {
      return {
        status: 'fail',
        detail: `${plural(cmp.differences.length, 'table')} ${cmp.differences.length === 1 ? 'differs' : 'differ'} from ${baseline.source} in content${expectedNote}`,
        problems: [...cmp.differences.map(describeDiff), ...outside.problems],
        data,
      };
    }
    return { status: 'pass', detail: `${plural(cmp.matched, 'table')} ${cmp.matched === 1 ? 'matches' : 'match'} the fingerprints of ${baseline.source}${expectedNote}`, data };
  },
};
