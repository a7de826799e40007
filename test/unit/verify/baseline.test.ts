import { describe, expect, it } from 'vitest';
import { parseBaseline, parseTableRefs } from '../../../src/verify/baseline.js';

describe('parseBaseline', () => {
  it('reads a backup manifest: its id, head and tables', () => {
    const b = parseBaseline({ version: 1, id: '20240101T000000Z-abcdef', migrationHead: '002_x', tables: [{ schema: 'public', table: 't', rows: 3, hash: 'b:9' }] }, 'm.json');
    expect(b).toEqual({
      source: 'backup 20240101T000000Z-abcdef (file m.json)',
      backupId: '20240101T000000Z-abcdef',
      migrationHead: '002_x',
      tables: [{ schema: 'public', table: 't', rows: 3, hash: 'b:9' }],
    });
  });

  it('reads {"tables": [...]} with counts only', () => {
    expect(parseBaseline({ tables: [{ schema: 's', table: 't', rows: 0 }] }, 'f').tables).toEqual([{ schema: 's', table: 't', rows: 0 }]);
  });

  it('reports every bad entry at once', () => {
    expect(() => parseBaseline({ tables: [{ schema: '', table: 't', rows: 1 }, { schema: 's', table: 't', rows: -2, hash: 5 }, { schema: 's', table: 't', rows: 1 }] }, 'f.json')).toThrow(
      /tables\[0\]\.schema must be a non-empty string\n {2}- tables\[1\]\.rows must be a whole number ≥ 0\n {2}- tables\[1\]\.hash must be a non-empty string when present\n {2}- tables\[2\]: s\.t appears twice/,
    );
  });

  it('rejects documents without a tables array', () => {
    expect(() => parseBaseline([], 'f')).toThrow(/must be a JSON object with a "tables" array/);
    expect(() => parseBaseline({ tables: {} }, 'f')).toThrow(/"tables" must be an array/);
  });
});

describe('parseTableRefs', () => {
  it('reads schema.table lists, defaulting to public and folding unquoted names like SQL', () => {
    expect(parseTableRefs('orders, app.Items ,"Sales"."Q1.Totals"')).toEqual([
      { schema: 'public', table: 'orders' },
      { schema: 'app', table: 'items' },
      { schema: 'Sales', table: 'Q1.Totals' },
    ]);
  });

  it('rejects names with too many parts', () => {
    expect(() => parseTableRefs('a.b.c')).toThrow(/"a\.b\.c" is not a table name/);
  });
});
