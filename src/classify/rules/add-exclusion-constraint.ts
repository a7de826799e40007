import { as, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const addExclusionConstraint = defineRule({
  id: 'add-exclusion-constraint',
  summary: 'ADD EXCLUDE cannot be NOT VALID and cannot use a concurrently built index: it builds and checks under ACCESS EXCLUSIVE.',
  help: 'Add exclusion constraints when the table is created, or in a maintenance window.',
  nodes: ['AlterTableStmt:AT_AddConstraint'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddConstraint').flatMap(({ table, cmd }) => {
      const con = as(cmd.def, 'Constraint');
      if (str(con?.contype) !== 'CONSTR_EXCLUSION') return [];
      return [
        {
          message: `adds an exclusion constraint to ${display(table)}: index build and check under ACCESS EXCLUSIVE (there is no online way)`,
          effect: { longValidation: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);'],
    passes: ['CREATE TABLE b (room int, during tstzrange);\nALTER TABLE b ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);'],
  },
});
