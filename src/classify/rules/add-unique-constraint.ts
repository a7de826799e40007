import { as, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const addUniqueConstraint = defineRule({
  id: 'add-unique-constraint',
  summary: 'ADD UNIQUE (without USING INDEX) builds its index while holding ACCESS EXCLUSIVE: every query waits for the build.',
  help: 'CREATE UNIQUE INDEX CONCURRENTLY first, then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX (instant).',
  nodes: ['AlterTableStmt:AT_AddConstraint'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddConstraint').flatMap(({ table, cmd }) => {
      const con = as(cmd.def, 'Constraint');
      if (str(con?.contype) !== 'CONSTR_UNIQUE' || str(con?.indexname)) return [];
      return [
        {
          message: `adds UNIQUE${str(con?.conname) ? ` ${str(con?.conname)}` : ''} on ${display(table)}, building the index under ACCESS EXCLUSIVE`,
          effect: { longValidation: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);'],
    passes: ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;'],
  },
});
