/**
 * The migration tool's own verification: for a tool whose migrations come
 * with verify scripts, every applied migration's script must pass on the
 * database as it is now — after an undo, the migrations still applied
 * must still hold. One check runs the tool's verify command once (one
 * process, the tool's own report); each failing migration is a problem.
 */
import type { Check } from '../check.js';

export const toolVerify: Check = {
  id: 'tool-verify',
  uses: 'context',
  description: "the migration tool's own verify scripts pass for every applied migration (tools that have them)",
  async run(ctx) {
    const lookup = await ctx.toolVerify();
    if (!lookup.available) return { status: 'skip', detail: lookup.reason };
    return {
      status: lookup.ok ? 'pass' : 'fail',
      detail: `${lookup.tool}: ${lookup.detail}`,
      ...(lookup.problems.length > 0 ? { problems: lookup.problems } : {}),
      ...(lookup.data ? { data: { tool: lookup.tool, ...lookup.data } } : { data: { tool: lookup.tool } }),
    };
  },
};
