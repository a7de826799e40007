/**
 * The last check of table recovery and of a partial backup's restore: each
 * table, where it now is in the target database (the recovery schema, or its
 * own name after --replace), holds exactly the rows of its staged source copy
 * (fingerprint and row count).
 */
import type { Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import { fingerprint, type TableFingerprint, type TableRef } from '../../fingerprint/fingerprint.js';
import { formatTableRef } from '../../verify/baseline.js';

export interface RecoveredTable {
  /** schema.table as it was named. */
  table: string;
  /** Where it now is in the target database. */
  now: string;
  rows: number;
  fingerprint: string;
  matches: boolean;
}

/** `schema.table` as --tables reads it back: a part with capitals (Prisma's `Member`) is quoted, `public."Member"`. */
const name = (t: TableRef): string => formatTableRef(t);

/** Fingerprint the copies where they now are, against the source's fingerprints (staged under `schema`). */
export async function compareCopies(into: Db, tables: readonly TableRef[], schema: string, replaced: boolean, staged: readonly TableFingerprint[]): Promise<RecoveredTable[]> {
  const placed = tables.map((t) => (replaced ? t : { schema, table: t.table }));
  const now = await fingerprint(into, placed);
  return tables.map((t, i) => {
    const expected = staged.find((f) => f.table === t.table)!;
    const got = now.find((f) => f.schema === placed[i]!.schema && f.table === t.table)!;
    return { table: name(t), now: name(placed[i]!), rows: got.rows, fingerprint: got.hash, matches: got.hash === expected.hash && got.rows === expected.rows };
  });
}

/** VERIFY_FAILED naming the tables that differ: "`differ` <tables>" (e.g. "recovered tables differ from the throwaway instance's:"). */
export function assertCopiesMatch(copies: readonly RecoveredTable[], differ: string): void {
  const bad = copies.filter((t) => !t.matches);
  if (bad.length > 0) throw new DbrollbackError('VERIFY_FAILED', `${differ} ${bad.map((t) => t.table).join(', ')}`);
}

/** The verify step's line: every copy, its rows, and that it matches. */
export function copiesDetail(copies: readonly RecoveredTable[]): string {
  return copies.map((t) => `${t.now}: ${t.rows} rows, fingerprint matches`).join('; ');
}
