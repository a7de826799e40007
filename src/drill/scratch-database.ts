/** Empty databases on the drill's throwaway server (one per scenario, recreated when a walk needs a fresh start). */
import { connect, quoteIdent } from '../db/connection.js';
import { withDatabase, type ConnInfo } from '../db/conninfo.js';

/** Drop `name` if it exists and (unless `create` is false) create it empty; returns its connection info. */
export async function freshDatabase(server: ConnInfo, name: string, options: { create?: boolean } = {}): Promise<ConnInfo> {
  const admin = await connect(withDatabase(server, 'postgres'));
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    if (options.create !== false) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  return withDatabase(server, name);
}

export async function databaseSize(conn: ConnInfo): Promise<number> {
  const db = await connect(conn);
  try {
    const { rows } = await db.query<{ size: string }>('SELECT pg_database_size(current_database())::text AS size');
    return Number(rows[0]!.size);
  } finally {
    await db.end().catch(() => undefined);
  }
}
