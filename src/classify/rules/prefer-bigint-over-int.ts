import { columnConstraints, str, typeInfo } from '../../sql/ast.js';
import { newColumns } from '../column-defs.js';
import { defineRule } from '../rule.js';
import { colName } from '../rule-helpers.js';

export const preferBigintOverInt = defineRule({
  id: 'prefer-bigint-over-int',
  summary: 'An int/serial key column runs out at 2^31; changing it to bigint later rewrites the table.',
  help: 'Use bigint (bigint GENERATED ... AS IDENTITY) for ids and keys.',
  nodes: ['CreateStmt', 'AlterTableStmt:AT_AddColumn'],
  check(stmt) {
    return newColumns(stmt).flatMap(({ table, def }) => {
      const type = typeInfo(def.typeName)?.name;
      const small = type === 'int4' || type === 'int2' || type === 'serial4' || type === 'serial2';
      // Most new columns are not small integers: their constraints are not read.
      if (!small) return [];
      const keyish = columnConstraints(def).some((c) => ['CONSTR_PRIMARY', 'CONSTR_IDENTITY'].includes(str(c.contype) ?? ''));
      if (!(keyish || type.startsWith('serial'))) return [];
      const shown = { int4: 'integer', int2: 'smallint', serial4: 'serial', serial2: 'smallserial' }[type!] ?? type;
      return [{ message: `${colName(table, def.colname)} is a ${shown} key; it overflows at ${type === 'int2' || type === 'serial2' ? '32,767' : '2,147,483,647'}`, effect: {} }];
    });
  },
  examples: {
    flags: ['CREATE TABLE orders (id serial PRIMARY KEY);', 'CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);'],
    passes: ['CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, qty int);'],
  },
});
