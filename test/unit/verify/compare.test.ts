import { describe, expect, it } from 'vitest';
import { compareTables, describeDiff } from '../../../src/verify/compare.js';

const base = [
  { schema: 'public', table: 'a', rows: 10, hash: 'b:1' },
  { schema: 'public', table: 'b', rows: 5, hash: 't:2' },
  { schema: 'app', table: 'c', rows: 0, hash: 'b:0' },
];

describe('compareTables', () => {
  it('matches identical tables by count and by hash', () => {
    const live = base.map((t) => ({ ...t }));
    expect(compareTables(base, live, [], 'rows')).toEqual({ matched: 3, differences: [], expected: [], own: [] });
    expect(compareTables(base, live, [], 'hash')).toEqual({ matched: 3, differences: [], expected: [], own: [] });
  });

  it('names missing tables, tables not in the baseline, count and content differences', () => {
    const live = [
      { schema: 'public', table: 'a', rows: 9, hash: 'b:7' },
      { schema: 'public', table: 'b', rows: 5, hash: 't:3' },
      { schema: 'public', table: 'new', rows: 2, hash: 'b:5' },
    ];
    const byRows = compareTables(base, live, [], 'rows');
    expect(byRows.differences.map(describeDiff)).toEqual([
      'public.a: 10 rows in the baseline, 9 now (-1)',
      'app.c: missing (baseline had 0 rows)',
      'public.new: not in the baseline (2 rows now)',
    ]);
    expect(byRows.matched).toBe(1);
    const byHash = compareTables(base, live, [], 'hash');
    expect(byHash.differences.map(describeDiff)).toEqual([
      'public.a: content differs (10 rows in the baseline, 9 now)',
      'public.b: content differs (same 5 rows: values changed)',
      'app.c: missing (baseline had 0 rows)',
      'public.new: not in the baseline (2 rows now)',
    ]);
  });

  it("reports the tables of dbrollback's own recovery schemas apart, never as differences (was: a verify after restore --tables --replace failed on the tables kept aside)", () => {
    const live = [...base.map((t) => ({ ...t })), { schema: 'dbrollback_replaced_20261207t234429547z', table: 'a', rows: 11, hash: 'b:9' }];
    const withOld = [...base, { schema: 'dbrollback_recovered_20261201t101010000z', table: 'b', rows: 5, hash: 't:2' }];
    const cmp = compareTables(withOld, live, [], 'hash');
    expect(cmp.differences).toEqual([]);
    expect(cmp.own.map(describeDiff)).toEqual([
      'dbrollback_recovered_20261201t101010000z.b: missing (baseline had 5 rows)',
      'dbrollback_replaced_20261207t234429547z.a: not in the baseline (11 rows now)',
    ]);
  });

  it('moves differences of tables expected to change into `expected`, never comparing their hashes', () => {
    const live = [
      { schema: 'public', table: 'a', rows: 12 },
      { schema: 'public', table: 'b', rows: 5, hash: 't:2' },
      { schema: 'app', table: 'c', rows: 0, hash: 'b:0' },
    ];
    const result = compareTables(base, live, [{ schema: 'public', table: 'a' }], 'hash');
    expect(result.differences).toEqual([]);
    expect(result.expected.map(describeDiff)).toEqual(['public.a: 10 rows in the baseline, 12 now (+2)']);
    expect(result.matched).toBe(2);
  });

  it('refuses to compare fingerprints taken with different hashing methods', () => {
    const live = [{ schema: 'public', table: 'a', rows: 10, hash: 't:1' }];
    const result = compareTables([base[0]!], live, [], 'hash');
    expect(result.differences.map((d) => d.kind)).toEqual(['not-comparable']);
  });

  it('leaves tables without a baseline hash out of the content comparison', () => {
    const result = compareTables([{ schema: 'public', table: 'a', rows: 10 }], [{ schema: 'public', table: 'a', rows: 10, hash: 'b:1' }], [], 'hash');
    expect(result).toEqual({ matched: 0, differences: [], expected: [], own: [] });
  });
});
