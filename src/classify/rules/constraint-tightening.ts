import { as, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

const KIND: Record<string, string> = {
  CONSTR_CHECK: 'CHECK',
  CONSTR_FOREIGN: 'FOREIGN KEY',
  CONSTR_UNIQUE: 'UNIQUE',
  CONSTR_PRIMARY: 'PRIMARY KEY',
  CONSTR_EXCLUSION: 'EXCLUDE',
};

export const constraintTightening = defineRule({
  id: 'constraint-tightening',
  summary: 'Adding a constraint to an existing table rejects writes the previous app version may still make (even NOT VALID constraints apply to new rows).',
  help: 'Ship app code that already satisfies the constraint first; then add it (NOT VALID, and VALIDATE later).',
  nodes: ['AlterTableStmt:AT_AddConstraint'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddConstraint').flatMap(({ table, cmd }) => {
      const con = as(cmd.def, 'Constraint');
      const kind = KIND[str(con?.contype) ?? ''];
      if (!kind) return [];
      return [
        {
          message: `adds ${kind} constraint${str(con?.conname) ? ` ${str(con?.conname)}` : ''} to ${display(table)}; writes from the previous app version that violate it will fail`,
          effect: { compatibility: 'breaking' },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;', 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;'],
    passes: ['CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0);', 'ALTER TABLE orders DROP CONSTRAINT total_positive;'],
  },
});
