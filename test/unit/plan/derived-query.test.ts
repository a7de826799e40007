/**
 * The derived-data check re-evaluates the migration's own filling statement:
 * its clauses are cut out of the statement text (no deparser) and put into a
 * read-only count. What it cannot re-evaluate it says so (null), never guesses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifySqlSync } from '../../../src/classify/classify-sql.js';
import { initParser } from '../../../src/sql/parser.js';
import { derivedQuery } from '../../../src/migrate/plan/derived.js';

beforeAll(async () => {
  await initParser();
});

const fillsOf = (sql: string) => classifySqlSync(sql).fills;

describe('derivedQuery', () => {
  it('a backfill from another table through a correlated subquery, with the UPDATE\'s alias', () => {
    const q = derivedQuery(fillsOf('ALTER TABLE orders ADD COLUMN customer_email text;\nUPDATE orders o SET customer_email = (SELECT c.email FROM customers c WHERE c.id = o.customer_id);'));
    expect(q).toBe(
      'SELECT count(*) AS n, coalesce(sum(pg_column_size("o"."customer_email")), 0) AS bytes FROM orders o WHERE "o"."customer_email" IS NOT NULL AND (EXISTS (SELECT 1 WHERE "o"."customer_email" IS NOT DISTINCT FROM ((SELECT c.email FROM customers c WHERE c.id = o.customer_id))))',
    );
  });

  it('UPDATE ... FROM ... WHERE keeps the join and the filter; several fills of one column are OR-ed', () => {
    const q = derivedQuery(
      fillsOf("ALTER TABLE orders ADD COLUMN total bigint;\nUPDATE orders SET total = s.sum FROM order_sums s WHERE s.order_id = orders.id RETURNING orders.id;\nUPDATE orders SET total = 0 WHERE total IS NULL;").filter((f) => f.column === 'total'),
    );
    expect(q).toContain('EXISTS (SELECT 1 FROM order_sums s WHERE (s.order_id = orders.id) AND "orders"."total" IS NOT DISTINCT FROM (s.sum))');
    expect(q).toContain(' OR EXISTS (SELECT 1 WHERE (total IS NULL) AND "orders"."total" IS NOT DISTINCT FROM (0))');
  });

  it('seed INSERTs into a new table: the rows that the INSERT would produce now', () => {
    const q = derivedQuery(fillsOf("CREATE TABLE plans (id int, code text);\nINSERT INTO plans (id, code) VALUES (1, 'free'), (2, 'team') ON CONFLICT DO NOTHING;"));
    expect(q).toBe(`SELECT count(*) AS n, 0 AS bytes FROM "public"."plans" WHERE ("id", "code") IN (VALUES (1, 'free'), (2, 'team'))`);
  });

  it('says null for what it cannot re-evaluate: no column list, a WITH clause, CREATE TABLE AS', () => {
    expect(derivedQuery(fillsOf('CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);'))).toBeNull();
    expect(derivedQuery(fillsOf('ALTER TABLE t ADD COLUMN b int;\nWITH s AS (SELECT 1 AS v) UPDATE t SET b = (SELECT v FROM s);'))).toBeNull();
    expect(derivedQuery(fillsOf('CREATE TABLE t2 AS SELECT 1 AS a;'))).toBeNull();
    expect(derivedQuery([])).toBeNull();
  });
});
