import { describe, expect, it } from 'vitest';
import { orphanQuery } from '../../../src/verify/checks/constraints.js';
import { splitPieces, type TablePlan } from '../../../src/fingerprint/fingerprint.js';

const plan = (table: string, bytes: number, blocks: number): TablePlan => ({ ref: { schema: 'public', table }, method: 'b', bytes, blocks });

describe('splitPieces', () => {
  it('cuts large tables into `jobs` block ranges covering every block (the last open-ended), biggest pieces first', () => {
    const big = plan('big', 100 * 8192, 100);
    const small = plan('small', 8192, 1);
    const pieces = splitPieces([small, big], 3, 10 * 8192, true);
    expect(pieces.map((p) => [p.plan.ref.table, p.where])).toEqual([
      ['big', "r.ctid < '(34,0)'::pg_catalog.tid"],
      ['big', "r.ctid >= '(34,0)'::pg_catalog.tid AND r.ctid < '(68,0)'::pg_catalog.tid"],
      ['big', "r.ctid >= '(68,0)'::pg_catalog.tid"],
      ['small', ''],
    ]);
  });

  it('keeps tables whole below the threshold, or without TID range scans (before PostgreSQL 14)', () => {
    const big = plan('big', 100 * 8192, 100);
    expect(splitPieces([big], 4, 200 * 8192, true).map((p) => p.where)).toEqual(['']);
    expect(splitPieces([big], 4, 0, false).map((p) => p.where)).toEqual(['']);
  });
});

describe('orphanQuery', () => {
  const fk = {
    child_schema: 'public', child: 'line', child_kind: 'r', child_cols: ['order_id', 'shop'],
    parent_schema: 'sales', parent: 'Order', parent_kind: 'p', parent_cols: ['id', 'shop'],
    ops: ['pg_catalog.=', 'pg_catalog.='],
  };

  it('checks only fully non-NULL keys under MATCH SIMPLE, with the constraint operators and quoted names', () => {
    expect(orphanQuery({ ...fk, match: 's' })).toBe(
      'SELECT pg_catalog.count(*) AS n FROM ONLY "public"."line" AS c WHERE (c."order_id" IS NOT NULL AND c."shop" IS NOT NULL AND ' +
        'NOT EXISTS (SELECT 1 FROM "sales"."Order" AS p WHERE p."id" OPERATOR(pg_catalog.=) c."order_id" AND p."shop" OPERATOR(pg_catalog.=) c."shop"))',
    );
  });

  it('also counts partly-NULL keys under MATCH FULL', () => {
    expect(orphanQuery({ ...fk, match: 'f' })).toContain('OR (NOT (c."order_id" IS NOT NULL AND c."shop" IS NOT NULL) AND NOT (c."order_id" IS NULL AND c."shop" IS NULL))');
  });
});
