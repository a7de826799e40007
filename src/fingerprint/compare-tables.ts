/**
 * Compare a restored database's row counts and fingerprints with a
 * manifest's baseline: every table must be present with the same rows and
 * hash, and no table may appear that the backup did not have.
 */
import type { TableFingerprint } from './fingerprint.js';

export interface TableDifference {
  schema: string;
  table: string;
  problem: 'missing' | 'extra' | 'rows' | 'content';
  expected: { rows: number; hash: string } | null;
  actual: { rows: number; hash: string } | null;
}

export interface TableComparison {
  ok: boolean;
  tables: number;
  differences: TableDifference[];
}

export function compareTables(expected: TableFingerprint[], actual: TableFingerprint[]): TableComparison {
  const key = (t: { schema: string; table: string }) => `${t.schema}\u0000${t.table}`;
  const got = new Map(actual.map((t) => [key(t), t]));
  const differences: TableDifference[] = [];
  for (const want of expected) {
    const have = got.get(key(want));
    got.delete(key(want));
    const expectedFacts = { rows: want.rows, hash: want.hash };
    if (!have) differences.push({ schema: want.schema, table: want.table, problem: 'missing', expected: expectedFacts, actual: null });
    else if (have.rows !== want.rows) differences.push({ schema: want.schema, table: want.table, problem: 'rows', expected: expectedFacts, actual: { rows: have.rows, hash: have.hash } });
    else if (have.hash !== want.hash) differences.push({ schema: want.schema, table: want.table, problem: 'content', expected: expectedFacts, actual: { rows: have.rows, hash: have.hash } });
  }
  for (const extra of got.values()) {
    differences.push({ schema: extra.schema, table: extra.table, problem: 'extra', expected: null, actual: { rows: extra.rows, hash: extra.hash } });
  }
  return { ok: differences.length === 0, tables: expected.length, differences };
}

export function describeDifference(d: TableDifference): string {
  const name = `${d.schema}.${d.table}`;
  switch (d.problem) {
    case 'missing':
      return `${name}: missing (backup had ${d.expected!.rows} rows)`;
    case 'extra':
      return `${name}: not in the backup (${d.actual!.rows} rows)`;
    case 'rows':
      return `${name}: ${d.actual!.rows} rows, backup had ${d.expected!.rows}`;
    case 'content':
      return `${name}: same row count (${d.actual!.rows}) but different content`;
  }
}
