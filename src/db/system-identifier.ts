/**
 * The cluster's identity: pg_control_system()'s system identifier, the same
 * on a primary, its standbys and every physical copy (base backup, PITR), and
 * different on any other cluster — what tells two databases of one name on
 * two clusters apart. Readable by superusers and pg_monitor only: null
 * otherwise (a nicety where it can be had, never a requirement).
 */
import type { Db } from './connection.js';

export async function systemIdentifier(db: Db): Promise<string | null> {
  // Asked about first, so a role without the right makes no error (which would abort a transaction it runs in).
  const { rows } = await db.query<{ id: string | null }>(
    "SELECT CASE WHEN has_function_privilege('pg_control_system()', 'EXECUTE') THEN (SELECT system_identifier::text FROM pg_control_system()) END AS id",
  );
  return rows[0]?.id ?? null;
}
