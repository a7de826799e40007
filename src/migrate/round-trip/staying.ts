/**
 * What the migrations an undo leaves applied (MigrationInfo.staysApplied: a
 * Flyway repeatable, which migrate re-applies rather than undoes) made since
 * the schema recorded before the oldest migration to undo: the objects their
 * SQL creates that differ from that record now. After the undo the verify
 * gate expects them as they are, not gone: the downs do not touch them.
 */
import type { Db } from '../../db/connection.js';
import { describeChange } from '../../db/schema/logical.js';
import { keptKey, roundTripChanges } from '../../db/schema/round-trip.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { creates, objectAndRelation } from '../../sql/creates.js';
import type { MigrationInfo, MigratorAdapter } from '../../tools/contract.js';
import { parsedSqlOf } from '../../tools/parsed-sql.js';

export interface KeptObject {
  /** keptKey of the change. */
  key: string;
  message: string;
}

export async function keptByStaying(db: Db, adapter: Pick<MigratorAdapter, 'sqlOf'>, staying: readonly MigrationInfo[], record: SchemaSnapshot, exclude: string[]): Promise<KeptObject[]> {
  if (staying.length === 0) return [];
  const changes = roundTripChanges(record, await schemaSnapshot(db, { exclude }));
  if (changes.length === 0) return [];
  const ups = await Promise.all(staying.map(async (m) => ({ name: m.name, statements: (await parsedSqlOf(adapter, m.name, 'up')) ?? [] })));
  const out: KeptObject[] = [];
  for (const change of changes) {
    const refs = objectAndRelation(change);
    const owner = ups.find((up) => up.statements.some((stmt) => refs.some((ref) => creates(stmt, ref))));
    if (owner) out.push({ key: keptKey(change), message: `${describeChange(change)}, made by ${owner.name}, which stays applied` });
  }
  return out;
}
