/**
 * The schema `migrate` records before each migration, in the storage beside
 * its restore point: the catalog snapshot (tables, columns with types and
 * defaults, indexes, constraints, sequences, views, functions, types,
 * triggers) as it was just before the migration ran. `plan` and `undo` read
 * it to know what "before the migration" was, and the verify gate after an
 * undo compares the database with it.
 *
 *   schema-records/<migration>/<time>-<run>.json
 *
 * A migration applied, undone and applied again has one record per time it
 * was applied; the newest counts, and only while it was taken on the same
 * predecessor (`head`) the history names now. An undo whose verify gate
 * passed with differences from that record (accepted with
 * --accept-schema-difference, or proven by a rehearsal where there was no
 * record) records the schema it left, under the oldest migration it undid:
 * that is the schema at the head now, and what a later verify and plan
 * compare with. Like every object in the storage it is encrypted when a key
 * is configured.
 */
import { text } from 'node:stream/consumers';
import type { SchemaSnapshot } from '../db/schema/snapshot.js';
import { validateKey, validatePrefix, type Storage } from '../storage/contract.js';

export const SCHEMA_RECORDS_PREFIX = 'schema-records/';

export interface SchemaRecord {
  version: 1;
  /** The migration applied right after the snapshot. */
  migration: string;
  /** The head when it was taken (the migration before it; null: none applied). */
  head: string | null;
  /** The server's clock when it was taken (ISO 8601). */
  time: string;
  database: string;
  /**
   * The cluster's system identifier (pg_control_system()), when the role could read it: a record is
   * of a database only on the same cluster (or a physical copy of it). Absent in records written before
   * it was kept, and null when it could not be read: those are matched by the database's name alone.
   */
  systemIdentifier?: string | null;
  /** The run that took it (its audit record id): a migrate run, or the undo in `undo`. */
  runId: string;
  /**
   * Taken by an undo after its verify gate passed: the schema the downs left (at `head`, before `migration`
   * is applied again), with the differences from the schema before that the undo accepted. Absent: taken by
   * migrate just before `migration` ran.
   */
  undo?: { accepted: string[] };
  /** The restore point made right after it, when the server could make one. */
  restorePoint: string | null;
  /** Relations left out of the snapshot: the tool's history and bookkeeping (`schema.name` or `schema.*`). */
  exclude: string[];
  schema: SchemaSnapshot;
}

/** A migration name as one key segment (names are the tool's, not ours). */
function segment(migration: string): string {
  return encodeURIComponent(migration).replace(/\./g, '%2E');
}

export function schemaRecordKey(record: Pick<SchemaRecord, 'migration' | 'time' | 'runId'>): string {
  const stamp = record.time.replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1Z');
  return validateKey(`${SCHEMA_RECORDS_PREFIX}${segment(record.migration)}/${stamp}-${record.runId}.json`);
}

export async function writeSchemaRecord(storage: Storage, record: SchemaRecord): Promise<string> {
  const key = schemaRecordKey(record);
  await storage.put(key, JSON.stringify(record), { contentType: 'application/json' });
  return key;
}

/**
 * The newest record taken before `migration` on `database`, when it was taken
 * on the predecessor the history names now (`head`); null otherwise.
 * Unreadable records are skipped. `systemIdentifier` (the live cluster's,
 * when known): records of a database of that name on another cluster are
 * skipped too — where both sides know theirs.
 */
export async function schemaRecordBefore(storage: Storage, migration: string, database: string, head: string | null, systemIdentifier?: string | null): Promise<SchemaRecord | null> {
  return (await findSchemaRecord(storage, migration, database, [head], systemIdentifier)).record;
}

/** What the search for a record found, and — when none fits — what it passed over, for a message that says why. */
export interface SchemaRecordSearch {
  record: SchemaRecord | null;
  /** Records of `migration` for this database taken at another head (the newest one's head), or of another cluster. */
  passedOver: { otherHead: string | null | undefined; otherCluster: number; otherDatabase: number };
}

/** As schemaRecordBefore, taken at any of `heads`, saying what it passed over. */
export async function findSchemaRecord(storage: Storage, migration: string, database: string, heads: ReadonlyArray<string | null>, systemIdentifier?: string | null): Promise<SchemaRecordSearch> {
  const objects = (await storage.list(validatePrefix(`${SCHEMA_RECORDS_PREFIX}${segment(migration)}/`))).filter((o) => o.key.endsWith('.json'));
  const passedOver: SchemaRecordSearch['passedOver'] = { otherHead: undefined, otherCluster: 0, otherDatabase: 0 };
  // Keys sort by time: read the newest first and stop at the first that fits.
  for (const object of objects.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0))) {
    const record = parseRecord(await text(await storage.get(object.key)));
    if (record === null || record.migration !== migration) continue;
    if (record.database !== database) {
      passedOver.otherDatabase++;
      continue;
    }
    if (systemIdentifier && record.systemIdentifier && record.systemIdentifier !== systemIdentifier) {
      passedOver.otherCluster++;
      continue;
    }
    if (heads.includes(record.head)) return { record, passedOver };
    passedOver.otherHead = record.head;
    return { record: null, passedOver };
  }
  return { record: null, passedOver };
}

function parseRecord(json: string): SchemaRecord | null {
  try {
    const data = JSON.parse(json) as Partial<SchemaRecord>;
    if (data.version !== 1 || typeof data.migration !== 'string' || typeof data.time !== 'string' || typeof data.schema !== 'object' || data.schema === null) return null;
    return data as SchemaRecord;
  } catch {
    return null;
  }
}
