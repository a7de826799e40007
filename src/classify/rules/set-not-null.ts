import { defineRule } from '../rule.js';
import { col, colName, tableCmds } from '../rule-helpers.js';

export const setNotNull = defineRule({
  id: 'set-not-null',
  summary: 'SET NOT NULL scans the whole table under ACCESS EXCLUSIVE, and rejects the NULLs the previous app version may still write.',
  help: 'Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL (PostgreSQL 12+ skips the scan thanks to the valid CHECK) and drop the CHECK.',
  nodes: ['AlterTableStmt:AT_SetNotNull'],
  check(stmt, ctx) {
    return tableCmds(stmt, 'AT_SetNotNull').flatMap(({ table, cmd }) => {
      // 12+: a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip the scan, and the CHECK already was the tightening.
      if (ctx.serverVersion >= 12 && ctx.state.hasValidNotNullCheck(table, String(cmd.name))) return [];
      return [
        {
          message: `sets ${colName(table, cmd.name)} NOT NULL: a full-table scan while every query waits, and inserts of NULL from the previous app version fail`,
          help:
            ctx.serverVersion >= 12
              ? this.help
              : 'Before PostgreSQL 12, SET NOT NULL always scans: enforce with CHECK (col IS NOT NULL) NOT VALID + VALIDATE instead, and set NOT NULL in a maintenance window (or after upgrading).',
          effect: { compatibility: 'breaking', longValidation: true },
          object: col(table, cmd.name),
        },
      ];
    });
  },
  examples: {
    flags: [
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      {
        sql: 'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        serverVersion: 11,
      },
    ],
    passes: [
      'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      'CREATE TABLE t (c int);\nALTER TABLE t ALTER COLUMN c SET NOT NULL;',
    ],
  },
});
