/**
 * JSON output written in chunks as it is formatted (output.ts writeJson) is
 * byte for byte the document toJson formats whole, whatever it holds.
 */
import { describe, expect, it } from 'vitest';
import { toJson, writeJson } from '../../../src/cli/output.js';

function written(value: unknown): { text: string; chunks: number } {
  const chunks: string[] = [];
  writeJson(value, (text) => void chunks.push(text));
  return { text: chunks.join(''), chunks: chunks.length };
}

describe('writeJson', () => {
  it('writes what toJson writes, for documents of every shape', () => {
    const cases: unknown[] = [
      { files: [{ path: 'a.sql', statements: [{ sql: 'SELECT 1;\n-- two lines', findings: [] }], down: null }, []], errors: [], ok: true, failOn: [] },
      { files: [], readAs: [{ path: '/x', migrator: 'sql' }], skipped: undefined, fn: () => 1, n: 1n, nested: { list: [1, 2, { a: [] }], empty: {} } },
      { list: [{ at: new Date(0) }, [1, [2]], { big: 12345678901234567890n }] },
      { dates: [new Date(0), new Date(1)], error: { toJSON: () => ({ code: 'X' }) } },
      { holes: [{ a: 1 }, , { b: 2 }], mixed: [{ a: 1 }, 2, 'three', null] }, // eslint-disable-line no-sparse-arrays
      {},
      { only: undefined },
      [{ a: 1 }, { b: 2 }],
      'text',
      null,
      Object.assign(Object.create(null) as Record<string, unknown>, { bare: [{ x: '\u2028 é "quoted"' }] }),
      { 'we"ird\nkey': [{ a: [] }, { b: {} }], ['__proto__']: [{ c: 1 }] } as unknown,
      JSON.parse('{"__proto__": [{"own": true}, {"d": [1, {"e": null}]}]}') as unknown,
      { files: [...Array.from({ length: 40 }, (_, i) => ({ i })), { big: 1n }, ...Array.from({ length: 40 }, (_, i) => ({ i, s: 'x'.repeat(i * 100) }))] },
    ];
    for (const value of cases) expect(written(value).text).toBe(`${toJson(value)}\n`);
  });

  it('a long list is written in several chunks, each ending between two of its elements', () => {
    const files = Array.from({ length: 3000 }, (_, i) => ({ path: `/m/${i}.sql`, sql: `ALTER TABLE t ADD COLUMN c${i} text;\n`.repeat(3) }));
    const chunks: string[] = [];
    writeJson({ files, ok: true }, (text) => void chunks.push(text));
    expect(chunks.join('')).toBe(`${toJson({ files, ok: true })}\n`);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('}')).toBe(true);
  });
});
