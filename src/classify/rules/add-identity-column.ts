import { as, columnConstraints, str, typeInfo } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { colName, tableCmds, tbl } from '../rule-helpers.js';

export const addIdentityColumn = defineRule({
  id: 'add-identity-column',
  summary: 'ADD COLUMN of a serial type or GENERATED AS IDENTITY fills every existing row from a sequence: a table rewrite under ACCESS EXCLUSIVE.',
  help: 'Add a nullable bigint column, attach a sequence default, backfill in batches, then make it identity/NOT NULL.',
  nodes: ['AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return tableCmds(stmt, 'AT_AddColumn').flatMap(({ table, cmd }) => {
      const def = as(cmd.def, 'ColumnDef');
      const identity = columnConstraints(def).some((c) => str(c.contype) === 'CONSTR_IDENTITY');
      const serial = /^(small|big)?serial[248]?$/.test(typeInfo(def?.typeName)?.name ?? '');
      if (!identity && !serial) return [];
      return [
        {
          message: `adds ${serial ? 'serial' : 'identity'} column ${colName(table, def?.colname)}: every existing row gets a value from the sequence, rewriting the table while queries wait`,
          effect: { rewritesTable: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: ['ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;', 'ALTER TABLE events ADD COLUMN seq bigserial;'],
    passes: ['ALTER TABLE events ADD COLUMN seq bigint;', 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN id serial;'],
  },
});
