import { as, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const addPrimaryKey = defineRule({
  id: 'add-primary-key',
  summary: 'ADD PRIMARY KEY (without USING INDEX) builds its index, and sets its columns NOT NULL with a scan, under ACCESS EXCLUSIVE.',
  help: 'Make the columns NOT NULL safely first, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX.',
  nodes: ['AlterTableStmt:AT_AddConstraint'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddConstraint').flatMap(({ table, cmd }) => {
      const con = as(cmd.def, 'Constraint');
      if (str(con?.contype) !== 'CONSTR_PRIMARY' || str(con?.indexname)) return [];
      return [
        {
          message: `adds a primary key to ${display(table)}, building the index (and checking NOT NULL) while every query waits`,
          effect: { longValidation: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE events ADD PRIMARY KEY (id);'],
    passes: ['ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_idx;'],
  },
});
