/**
 * The cluster's identity: pg_control_system()'s system identifier, the same
 * on a primary, its standbys and every physical copy (base backup, PITR), and
 * different on any other cluster — what tells two databases of one name on
 * two clusters apart. Every role may read it unless the cluster revoked
 * EXECUTE on the function: null then (a nicety where it can be had, never a
 * requirement).
 */
import type { Db } from './connection.js';

export async function systemIdentifier(db: Db): Promise<string | null> {
  // Asked first, in a query of its own: a denied call fails at the executor's start even in a CASE branch never taken,
  // and the error would abort a transaction the caller runs.
  const allowed = await db.query<{ ok: boolean }>("SELECT has_function_privilege('pg_control_system()', 'EXECUTE') AS ok");
  if (allowed.rows[0]?.ok !== true) return null;
  const { rows } = await db.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
  return rows[0]?.id ?? null;
}
