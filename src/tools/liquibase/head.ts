/**
 * Liquibase's head without the project's files: the changeset it ran last
 * (DATEEXECUTED, then ORDEREXECUTED, the order the adapter and Liquibase's
 * rollback-count read), named as the adapter names it — its ID, or its
 * identity `FILENAME::ID::AUTHOR` when several changesets share that ID.
 * The table shows the IDs shared among the changesets that ran; one shared
 * only with a changeset of the changelog that never ran is not seen here
 * (the adapter would then name the head by its identity and a backup would
 * not match it: name changesets with unique IDs, as Liquibase advises).
 */
import type { Db } from '../../db/connection.js';
import type { HistoryHead, HistorySettings } from '../tool.js';
import { identityOf } from './changelog-dir.js';
import { DEFAULT_SCHEMA, DEFAULT_TABLE, readRan } from './history.js';

export async function headOf(db: Db, settings: HistorySettings): Promise<HistoryHead> {
  const ran = await readRan(db, { schema: settings.migrationsSchema ?? DEFAULT_SCHEMA, table: (settings.migrationsTable ?? DEFAULT_TABLE).toLowerCase() });
  const last = ran.at(-1);
  if (last === undefined) return { head: null };
  const shared = new Set(ran.filter((r) => r.id === last.id).map(identityOf)).size > 1;
  return { head: shared ? identityOf(last) : last.id };
}
