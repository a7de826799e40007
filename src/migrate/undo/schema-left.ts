/**
 * After an undo whose verify gate passed, the schema it left is the schema at
 * the new head. Where that differs from what a later run would compare with —
 * the record migrate took before the oldest undone migration, with the
 * differences the undo accepted (--accept-schema-difference), or no record at
 * all (the round trip was rehearsed) — the undo records the schema it left,
 * under that migration and at that head, beside migrate's records
 * (backup/schema-records.ts). A later standalone verify then compares with
 * it: the accepted differences are said as accepted, not failed again, and a
 * down run by hand afterwards is still caught.
 */
import { writeSchemaRecord } from '../../backup/schema-records.js';
import type { Db } from '../../db/connection.js';
import { schemaSnapshot } from '../../db/schema/snapshot.js';
import { systemIdentifier } from '../../db/system-identifier.js';
import type { Storage } from '../../storage/contract.js';
import type { VerifyReport } from '../../verify/verify.js';
import type { RoundTripExpectation } from '../round-trip/round-trip.js';

export interface SchemaLeft {
  /** The storage key of the record, or null when none was needed. */
  key: string | null;
  /** What the log says (null: nothing to say). */
  note: string | null;
}

/**
 * Record the schema the undo left when the gate's schema-round-trip check passed and a later verify would not
 * find it recorded as it is. A storage that cannot take it leaves the undo done: the note says what a later
 * verify then reports.
 */
export async function recordSchemaLeft(
  db: Db,
  storage: Storage,
  how: { expect: RoundTripExpectation | null | undefined; report: VerifyReport; database: string; runId: string },
): Promise<SchemaLeft> {
  const expect = how.expect;
  const check = how.report.checks.find((c) => c.id === 'schema-round-trip');
  if (!expect || check?.status !== 'pass') return { key: null, note: null };
  const accepted = Array.isArray(check.data?.accepted) ? (check.data.accepted as unknown[]).filter((a): a is string => typeof a === 'string') : [];
  // Equal by name to migrate's record: a later verify finds that one.
  if (expect.kind === 'record' && accepted.length === 0) return { key: null, note: null };
  try {
    const schema = await schemaSnapshot(db, { exclude: expect.exclude });
    const key = await writeSchemaRecord(storage, {
      version: 1,
      migration: expect.migration,
      head: expect.head,
      time: new Date().toISOString(),
      database: how.database,
      systemIdentifier: await systemIdentifier(db),
      runId: how.runId,
      restorePoint: null,
      exclude: expect.exclude,
      schema,
      undo: { accepted },
    });
    return { key, note: `schema the undo left recorded in ${key}${accepted.length > 0 ? ` (with the ${accepted.length} accepted difference(s))` : ''}: a later dbrollback verify compares with it` };
  } catch (err) {
    const later = accepted.length > 0 ? 'a later dbrollback verify reports the accepted differences as failures again (pass --skip-checks schema-round-trip to it)' : 'a later dbrollback verify has no schema recorded at this head to compare with';
    return { key: null, note: `WARNING: the schema the undo left could not be recorded in the storage (${(err as Error).message}): the undo itself is done and verified; ${later}` };
  }
}
