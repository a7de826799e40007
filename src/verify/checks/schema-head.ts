/**
 * The migration head (the last applied migration, as the project's own tool
 * records it) is the one expected — after an undo, the target.
 */
import type { Check } from '../check.js';

export const schemaHead: Check = {
  id: 'schema-head',
  uses: 'context',
  description: 'the migration head equals the expected one (--expect-head NAME)',
  async run(ctx) {
    const lookup = await ctx.head();
    const expected = ctx.expectHead;
    // The application's own migrate at startup (golang-migrate's m.Up()) stops on it too: no head is "as expected" then.
    if (lookup.blocked !== undefined) {
      return {
        status: 'fail',
        detail: `the migration history is blocked: ${lookup.blocked.replace(/\s*Nothing was changed\.$/, '')}`,
        problems: ['clear it as the migration tool asks (golang-migrate: `migrate force VERSION` once the schema is what VERSION made) before traffic returns'],
        ...(lookup.configured ? { data: { head: lookup.head, expected: expected ?? null, migrator: lookup.migrator } } : {}),
      };
    }
    if (!lookup.configured) {
      if (expected === undefined) return { status: 'skip', detail: `cannot determine the migration head: ${lookup.reason}` };
      // A table that records only versions (dbmate, golang-migrate) answers an expected version by itself.
      if (lookup.version && lookup.version.version === expected) {
        return { status: 'pass', detail: `head is version ${expected} (${lookup.version.migrator}), as expected`, data: { head: null, version: lookup.version.version, expected, migrator: lookup.version.migrator } };
      }
      return {
        status: 'fail',
        detail: `--expect-head ${expected} was given, but the migration head cannot be determined: ${lookup.reason}`,
        problems: ['configure the migrations (--migrations DIR, --migrator) so the head can be read'],
      };
    }
    const shown = lookup.head ?? '(no migration applied)';
    const data = { head: lookup.head, expected: expected ?? null, migrator: lookup.migrator };
    if (expected === undefined) return { status: 'skip', detail: `head is ${shown} (${lookup.migrator}); nothing to compare with: pass --expect-head NAME`, data };
    if (lookup.head === expected) return { status: 'pass', detail: `head is ${expected} (${lookup.migrator}), as expected`, data };
    // A version or tag names its migration, as for undo --to: 20250312000000 is 20250312000000_drop_agents_pager.
    if (lookup.headTags?.includes(expected)) return { status: 'pass', detail: `head is ${shown} (${lookup.migrator}: ${expected}), as expected`, data };
    return {
      status: 'fail',
      detail: `head is ${shown}, expected ${expected}`,
      problems: [`the ${lookup.migrator} history says the last applied migration is ${shown}, not ${expected}`],
      data,
    };
  },
};
