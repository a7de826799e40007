import { as, relKey, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { display, tableCmds, tbl } from '../rule-helpers.js';

export const addForeignKeyWithoutNotValid = defineRule({
  id: 'add-foreign-key-without-not-valid',
  summary: 'ADD FOREIGN KEY without NOT VALID scans the table while holding SHARE ROW EXCLUSIVE on it and on the referenced table (writes to both wait).',
  help: 'ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a separate migration (it takes a weaker lock).',
  nodes: ['AlterTableStmt:AT_AddConstraint'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddConstraint').flatMap(({ table, cmd }) => {
      const con = as(cmd.def, 'Constraint');
      if (str(con?.contype) !== 'CONSTR_FOREIGN' || con?.skip_validation) return [];
      return [
        {
          message: `adds foreign key${str(con?.conname) ? ` ${str(con?.conname)}` : ''} on ${display(table)} → ${display(relKey(con?.pktable))} and validates it at once: writes to both tables wait for the scan`,
          effect: { longValidation: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);'],
    passes: ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;', 'CREATE TABLE t (u int);\nALTER TABLE t ADD FOREIGN KEY (u) REFERENCES users (id);'],
  },
});
