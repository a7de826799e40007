import { as, str } from '../../sql/ast.js';
import { checkRelaxes } from '../check-constraints.js';
import type { FileState } from '../file-state.js';
import { defineRule, type Hit } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

const KIND: Record<string, string> = {
  CONSTR_CHECK: 'CHECK',
  CONSTR_FOREIGN: 'FOREIGN KEY',
  CONSTR_UNIQUE: 'UNIQUE',
  CONSTR_PRIMARY: 'PRIMARY KEY',
  CONSTR_EXCLUSION: 'EXCLUDE',
};

function replacesWider(table: string, name: string | undefined, condition: unknown, droppedHere: readonly unknown[], state: FileState): boolean {
  const sameName = name === undefined ? undefined : state.checkDefinition(table, name);
  const replaced = [...state.droppedCheckConditions(table), ...droppedHere, ...(sameName === undefined ? [] : [sameName])];
  return replaced.some((before) => checkRelaxes(before, condition));
}

export const constraintTightening = defineRule({
  id: 'constraint-tightening',
  summary: 'Adding a constraint to an existing table rejects writes the previous app version may still make (even NOT VALID constraints apply to new rows).',
  help: 'Ship app code that already satisfies the constraint first; then add it (NOT VALID, and VALIDATE later).',
  nodes: ['AlterTableStmt:AT_AddConstraint'],
  check(stmt, ctx) {
    const hits: Hit[] = [];
    // CHECKs this statement dropped before its ADD (`DROP CONSTRAINT c, ADD CONSTRAINT c CHECK (...)`), where known.
    const droppedHere: unknown[] = [];
    for (const { table, cmd } of tableCmds(stmt, 'AT_AddConstraint', 'AT_DropConstraint')) {
      if (str(cmd.subtype) === 'AT_DropConstraint') {
        const condition = str(cmd.name) === undefined ? undefined : ctx.state.checkDefinition(table, str(cmd.name)!);
        if (condition !== undefined) droppedHere.push(condition);
        continue;
      }
      const con = as(cmd.def, 'Constraint');
      const kind = KIND[str(con?.contype) ?? ''];
      if (!kind) continue;
      // A CHECK that replaces one the file dropped, allowing all it allowed (one enum-like value more, a looser bound),
      // rejects nothing the previous app version writes: the old check already held its writes to less.
      // A CHECK of the same name known from before (dropped in an earlier unit of the same migration: Liquibase's
      // changesets are classified one by one) is the one it replaces too.
      if (kind === 'CHECK' && replacesWider(table, str(con?.conname), con?.raw_expr, droppedHere, ctx.state)) continue;
      hits.push({
        message: `adds ${kind} constraint${str(con?.conname) ? ` ${str(con?.conname)}` : ''} to ${display(table)}; writes from the previous app version that violate it will fail`,
        effect: { compatibility: 'breaking' },
        object: tbl(table),
      });
    }
    return hits;
  },
  examples: {
    flags: [
      'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      // Replacing a CHECK whose condition is not known (no earlier migration, no live schema says it): a tightening for all anyone can tell.
      "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped'));",
    ],
    passes: [
      'CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0);',
      'ALTER TABLE orders DROP CONSTRAINT total_positive;',
    ],
  },
});
