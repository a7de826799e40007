/**
 * A CHECK swapped for a wider one (one enum-like value more, a looser bound)
 * is no tightening: the previous app version's writes passed the old check,
 * so they pass the new one. Judged against the CHECK as the earlier
 * migrations defined it (a folder classified in order), as the same file
 * defined it, or as the live schema holds it; a replacement that allows less,
 * or one whose predecessor nobody knows, stays breaking.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkRelaxes, checksCreatedBy } from '../../../src/classify/check-constraints.js';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { classifySqlSync } from '../../../src/classify/classify-sql.js';
import type { SchemaSnapshot } from '../../../src/db/schema/snapshot.js';
import { initParser, parseSql } from '../../../src/sql/parser.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

beforeAll(() => initParser());
afterEach(removeTempDirs);

/** The condition of `CHECK (...)` as the parser reads it. */
function condition(check: string): unknown {
  const stmt = parseSql(`ALTER TABLE t ADD CONSTRAINT c CHECK (${check})`).statements[0]!;
  return checksCreatedBy(stmt)[0]!.expr;
}

const relaxes = (before: string, after: string): boolean => checkRelaxes(condition(before), condition(after));

describe('checkRelaxes', () => {
  it('a value set that keeps every old value, in any of the forms PostgreSQL and the tools write', () => {
    expect(relaxes("status IN ('new', 'paid')", "status IN ('new', 'paid', 'shipped')")).toBe(true);
    expect(relaxes("status IN ('new', 'paid')", "status IN ('paid', 'new')")).toBe(true);
    // pg_get_constraintdef's text of a varchar column's check, against the plain form.
    expect(relaxes("(status)::text = ANY ((ARRAY['new'::character varying, 'paid'::character varying])::text[])", "status IN ('new', 'paid', 'refunded')")).toBe(true);
    expect(relaxes("status = 'new' OR status = 'paid'", "status = ANY (ARRAY['new', 'paid', 'void'])")).toBe(true);
    expect(relaxes("status = 'new'", "status IN ('new', 'paid')")).toBe(true);
    expect(relaxes('level IN (1, 2, 3)', 'level IN (0, 1, 2, 3, 4)')).toBe(true);
  });

  it('a value set that loses a value, another column, or other kinds of values is not', () => {
    expect(relaxes("status IN ('new', 'paid')", "status IN ('new')")).toBe(false);
    expect(relaxes("status IN ('new', 'paid')", "state IN ('new', 'paid', 'x')")).toBe(false);
    expect(relaxes('level IN (1, 2)', "level IN ('1', '2')")).toBe(false);
    expect(relaxes("status IN ('new', 'paid')", "status NOT IN ('void')")).toBe(false);
    // A cast that can change a value (char(n) pads, varchar(n) cuts) is not seen through.
    expect(relaxes("status IN ('a')", "status::varchar(1) IN ('a', 'b')")).toBe(false);
  });

  it('a looser bound on the same expression, an unchanged condition, fewer conjuncts', () => {
    expect(relaxes('char_length(name) <= 100', 'char_length(name) <= 255')).toBe(true);
    expect(relaxes('price > 0', 'price >= 0')).toBe(true);
    expect(relaxes('price >= 10', 'price >= 0')).toBe(true);
    expect(relaxes('price >= 0', 'price >= 0')).toBe(true);
    expect(relaxes('price >= 0 AND price < 1000', 'price >= 0 AND price < 100000')).toBe(true);
    expect(relaxes('price >= 0 AND price < 1000', 'price >= 0')).toBe(true);
    expect(relaxes('lower(email) = email', 'lower(email) = email')).toBe(true);
  });

  it('a tighter bound, another expression, an extra conjunct is not', () => {
    expect(relaxes('char_length(name) <= 255', 'char_length(name) <= 100')).toBe(false);
    expect(relaxes('price >= 0', 'price > 0')).toBe(false);
    expect(relaxes('price >= 0', 'cost >= 0')).toBe(false);
    expect(relaxes('price >= 0', 'price >= 0 AND price < 1000')).toBe(false);
    expect(relaxes('price >= 0', 'price <= 1000')).toBe(false);
  });
});

describe('checksCreatedBy: the names PostgreSQL gives unnamed CHECKs', () => {
  const names = (sql: string) => checksCreatedBy(parseSql(sql).statements[0]!).map((c) => `${c.table}.${c.name}`);

  it('a column constraint is table_column_check; a table constraint on one column the same, on several table_check', () => {
    expect(names("CREATE TABLE shop.orders (status text CHECK (status IN ('a')), n int, m int, CHECK (n > 0), CHECK (n < m), CONSTRAINT named CHECK (m > 0))")).toEqual([
      'shop.orders.orders_status_check',
      'shop.orders.orders_n_check',
      'shop.orders.orders_check',
      'shop.orders.named',
    ]);
    expect(names("ALTER TABLE orders ADD COLUMN kind text CHECK (kind IN ('x')), ADD CHECK (total >= 0)")).toEqual(['public.orders.orders_kind_check', 'public.orders.orders_total_check']);
  });
});

const CREATE = "CREATE TABLE orders (id bigint PRIMARY KEY, status varchar(20) NOT NULL CHECK (status IN ('new', 'paid')), total numeric CONSTRAINT total_small CHECK (total < 1000));\n";

describe('a CHECK swap judged against the CHECK it replaces', () => {
  const tightening = (verdict: { statements: Array<{ findings: Array<{ rule: string }> }> }) => verdict.statements.flatMap((s) => s.findings).filter((f) => f.rule === 'constraint-tightening');

  it('in a folder: the earlier migration\'s CHECK decides; a wider one is additive, a narrower one breaking', async () => {
    const dir = await dirWith({
      '001_orders.up.sql': CREATE,
      '002_status_shipped.up.sql': "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped'));\n",
      '002_status_shipped.down.sql': "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid'));\n",
      // One statement, and a bound: the same answer.
      '003_total_limit.up.sql': 'ALTER TABLE orders DROP CONSTRAINT total_small, ADD CONSTRAINT total_small CHECK (total < 100000);\n',
      // A value dropped: old code may still write it.
      '004_no_paid.up.sql': "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'shipped'));\n",
    });
    const { files } = await classifyFiles([dir]);
    const byName = Object.fromEntries(files.map((f) => [f.path.replace(/.*\//, ''), f]));
    expect(tightening(byName['002_status_shipped.up.sql']!)).toEqual([]);
    expect(byName['002_status_shipped.up.sql']!.compatibility).toBe('additive');
    // Its down takes 'shipped' away again: old rows or writes holding it would be rejected.
    expect(byName['002_status_shipped.up.sql']!.down?.compatibility).toBe('breaking');
    expect(tightening(byName['003_total_limit.up.sql']!)).toEqual([]);
    expect(byName['003_total_limit.up.sql']!.compatibility).toBe('additive');
    // 004 is judged against 002's CHECK (new, paid, shipped), not 001's.
    expect(tightening(byName['004_no_paid.up.sql']!)).toHaveLength(1);
    expect(byName['004_no_paid.up.sql']!.compatibility).toBe('breaking');
  });

  it('alone, without the migration that made the CHECK, the swap stays a tightening', () => {
    const verdict = classifySqlSync("ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped'));\n");
    expect(tightening(verdict)).toHaveLength(1);
    expect(verdict.compatibility).toBe('breaking');
  });

  it('a CHECK on another column, or a new one beside the swapped one, is still a tightening', async () => {
    const dir = await dirWith({
      '001_orders.up.sql': CREATE,
      '002_swap.up.sql': "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped'));\nALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);\n",
    });
    const { files } = await classifyFiles([dir]);
    expect(tightening(files[1]!).map((f) => (f as { message?: string }).message)).toEqual([expect.stringContaining('total_positive')]);
  });

  it('with the live schema (plan, migrate), the CHECK as the database holds it decides', () => {
    const schema = {
      relations: {
        'public.orders': {
          kind: 'table',
          columns: {},
          constraints: {
            orders_status_check: { type: 'check', definition: "CHECK (((status)::text = ANY ((ARRAY['new'::character varying, 'paid'::character varying])::text[])))", validated: true },
          },
        },
      },
    } as unknown as SchemaSnapshot;
    const wider = "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped'));\n";
    expect(tightening(classifySqlSync(wider, { schema }))).toEqual([]);
    const narrower = "ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new'));\n";
    expect(tightening(classifySqlSync(narrower, { schema }))).toHaveLength(1);
  });

  it('a CHECK renamed, its column renamed or retyped, or its table dropped and made again, is not compared with what it was', async () => {
    const swapTo = (values: string) => `ALTER TABLE orders DROP CONSTRAINT orders_status_check;\nALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN (${values}));\n`;
    const dir = await dirWith({
      '001_orders.up.sql': CREATE,
      '002_retype.up.sql': 'ALTER TABLE orders ALTER COLUMN status TYPE text;\n',
      '003_swap.up.sql': swapTo("'new', 'paid', 'shipped'"),
    });
    const { files } = await classifyFiles([dir]);
    expect(tightening(files[2]!)).toHaveLength(1);
  });
});
