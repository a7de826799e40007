/**
 * Connection settings for a migration tool that opens its own connections
 * in this process (Knex, TypeORM: both through node-postgres): dbrollback's
 * target, with the TLS libpq's sslmode would end up using. `prefer` and
 * `allow` fall back as libpq does, so the fallback is found once here (one
 * probe connection) and the tool gets the settled answer.
 */
import pg from 'pg';
import type { ConnInfo } from '../db/conninfo.js';
import { sslAttempts } from '../db/tls.js';

export interface ToolConnection {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  ssl: false | object;
}

export async function toolConnection(conn: ConnInfo): Promise<ToolConnection> {
  const base = { host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database };
  const attempts = sslAttempts(conn);
  if (!attempts.fallback) return { ...base, ssl: attempts.first };
  const probe = new pg.Client({ ...base, ssl: attempts.first, connectionTimeoutMillis: 10_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return { ...base, ssl: attempts.first };
  } catch (err) {
    if (attempts.fallback.when(err)) return { ...base, ssl: attempts.fallback.ssl };
    return { ...base, ssl: attempts.first };
  } finally {
    await probe.end().catch(() => undefined);
  }
}
