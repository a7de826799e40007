import { as, calledFunctions, columnConstraints, str } from '../../sql/ast.js';
import { defineRule } from '../rule.js';
import { colName, tableCmds, tbl } from '../rule-helpers.js';

/** Built-in functions that are stable or immutable: a default using only these is evaluated once (11+ fast default). */
const NON_VOLATILE = new Set([
  'now', 'transaction_timestamp', 'statement_timestamp', 'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp',
  'current_user', 'current_role', 'session_user', 'user', 'current_schema', 'current_catalog',
  'lower', 'upper', 'trim', 'btrim', 'concat', 'to_json', 'to_jsonb', 'json_build_object', 'jsonb_build_object', 'jsonb_build_array',
  'json_build_array', 'array', 'make_date', 'make_interval', 'to_timestamp', 'to_date', 'to_char', 'date_trunc', 'abs', 'round', 'coalesce',
  // SQLValueFunction op names as calledFunctions reports them
  'svfop_current_date', 'svfop_current_time', 'svfop_current_time_n', 'svfop_current_timestamp', 'svfop_current_timestamp_n',
  'svfop_localtime', 'svfop_localtime_n', 'svfop_localtimestamp', 'svfop_localtimestamp_n', 'svfop_current_role', 'svfop_current_user',
  'svfop_user', 'svfop_session_user', 'svfop_current_catalog', 'svfop_current_schema',
]);

export const addingFieldWithDefault = defineRule({
  id: 'adding-field-with-default',
  summary: 'ADD COLUMN with a volatile DEFAULT (or any DEFAULT before PostgreSQL 11) rewrites the whole table under ACCESS EXCLUSIVE.',
  help: 'Add the column without a default (or with a constant one on 11+), set the default separately, and backfill existing rows in batches.',
  nodes: ['AlterTableStmt:AT_AddColumn'],
  check(stmt, ctx) {
    return tableCmds(stmt, 'AT_AddColumn').flatMap(({ table, cmd }) => {
      const def = as(cmd.def, 'ColumnDef');
      const dflt = columnConstraints(def).find((c) => str(c.contype) === 'CONSTR_DEFAULT');
      if (!dflt) return [];
      const isNull = as(dflt.raw_expr, 'A_Const')?.isnull === true;
      if (isNull) return [];
      const volatile = calledFunctions(dflt.raw_expr).filter((f) => !NON_VOLATILE.has(f));
      if (ctx.serverVersion >= 11 && volatile.length === 0) return [];
      return [
        {
          message:
            ctx.serverVersion < 11
              ? `adds ${colName(table, def?.colname)} with a DEFAULT: before PostgreSQL 11 that rewrites every row while queries wait`
              : `adds ${colName(table, def?.colname)} with a volatile DEFAULT (${volatile.join(', ')}): every row is rewritten while queries wait`,
          effect: { rewritesTable: true },
          object: tbl(table),
        },
      ];
    });
  },
  examples: {
    flags: [
      'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT clock_timestamp();',
      { sql: "ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';", serverVersion: 10 },
    ],
    passes: ["ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';", 'ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();', 'CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();'],
  },
});
