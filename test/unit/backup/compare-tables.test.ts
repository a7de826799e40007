import { describe, expect, it } from 'vitest';
import { compareTables, describeDifference } from '../../../src/fingerprint/compare-tables.js';

const t = (table: string, rows: number, hash: string) => ({ schema: 'public', table, rows, hash });

describe('compareTables', () => {
  it('is ok when every table matches, whatever the order', () => {
    expect(compareTables([t('a', 1, 'x'), t('b', 2, 'y')], [t('b', 2, 'y'), t('a', 1, 'x')])).toEqual({ ok: true, tables: 2, differences: [] });
  });

  it('reports missing, extra, row-count and content differences', () => {
    const result = compareTables([t('gone', 3, 'g'), t('rows', 5, 'r'), t('content', 2, 'c')], [t('rows', 4, 'r2'), t('content', 2, 'c2'), t('new', 1, 'n')]);
    expect(result.ok).toBe(false);
    expect(result.differences.map((d) => [d.table, d.problem])).toEqual([
      ['gone', 'missing'],
      ['rows', 'rows'],
      ['content', 'content'],
      ['new', 'extra'],
    ]);
    expect(result.differences.map(describeDifference)).toEqual([
      'public.gone: missing (backup had 3 rows)',
      'public.rows: 4 rows, backup had 5',
      'public.content: same row count (2) but different content',
      'public.new: not in the backup (1 rows)',
    ]);
  });
});
