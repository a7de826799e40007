/**
 * No invalid indexes: a failed CREATE INDEX CONCURRENTLY (duplicate keys, a
 * cancelled build) leaves an index with indisvalid = false that the planner
 * ignores — and a unique one still rejects writes while enforcing nothing.
 */
import { quoteIdent } from '../../db/connection.js';
import type { Check } from '../check.js';
import { plural } from '../compare.js';

export const indexes: Check = {
  id: 'indexes',
  uses: 'connection',
  description: 'no invalid indexes (left behind by failed CREATE INDEX CONCURRENTLY)',
  async run(db) {
    const { rows } = await db.query<{ schema: string; index: string; table: string; valid: boolean; ready: boolean; total: string }>(
      `SELECT n.nspname AS schema, ic.relname AS index, tc.relname AS table, i.indisvalid AS valid, i.indisready AS ready,
              pg_catalog.count(*) OVER () AS total
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        ORDER BY 1, 3, 2`,
    );
    const invalid = rows.filter((r) => !r.valid || !r.ready);
    const data = { indexes: rows.length, invalid: invalid.map((r) => ({ schema: r.schema, index: r.index, table: r.table, ready: r.ready })) };
    if (invalid.length > 0) {
      return {
        status: 'fail',
        detail: `${plural(invalid.length, 'invalid index', 'invalid indexes')} of ${rows.length}`,
        problems: invalid.map(
          (r) =>
            `${r.schema}.${r.index} on ${r.schema}.${r.table} is invalid${r.ready ? '' : ' (not ready)'}: ` +
            `DROP INDEX CONCURRENTLY ${quoteIdent(r.schema)}.${quoteIdent(r.index)} and build it again (or REINDEX INDEX CONCURRENTLY)`,
        ),
        data,
      };
    }
    return { status: 'pass', detail: `${plural(rows.length, 'index', 'indexes')}, none invalid`, data };
  },
};
