import { as, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const addCheckWithoutNotValid = defineRule({
  id: 'add-check-without-not-valid',
  summary: 'ADD CHECK without NOT VALID scans the whole table under ACCESS EXCLUSIVE.',
  help: 'ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a separate migration (SHARE UPDATE EXCLUSIVE: reads and writes continue).',
  nodes: ['AlterTableStmt:AT_AddConstraint'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddConstraint').flatMap(({ table, cmd }) => {
      const con = as(cmd.def, 'Constraint');
      if (str(con?.contype) !== 'CONSTR_CHECK' || con?.skip_validation) return [];
      return [
        {
          message: `adds CHECK${str(con?.conname) ? ` ${str(con?.conname)}` : ''} on ${display(table)} and validates it at once: a full scan while every query waits`,
          effect: { longValidation: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);'],
    passes: ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;'],
  },
});
