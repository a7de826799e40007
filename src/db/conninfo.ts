import { parse as parseConnectionString } from 'pg-connection-string';
import { DbrollbackError } from '../errors.js';
import { redactUrl } from '../secrets/redact.js';

/**
 * Where a database is, resolved once from a URL or libpq's PG* variables.
 * The password travels only in this object and in a child's environment.
 */
export interface ConnInfo {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** libpq sslmode, passed through to children (PGSSLMODE) and honoured by pg. */
  sslmode: string | undefined;
  applicationName: string;
}

const DEFAULT_APPLICATION_NAME = 'dbrollback';

/** Parse a postgres:// URL (or key=value-free URL-ish string) into ConnInfo; PG* env fills the gaps. */
export function connInfoFromUrl(url: string, env: NodeJS.ProcessEnv = process.env): ConnInfo {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new DbrollbackError('CONFIG_INVALID', `database URL must start with postgres:// or postgresql:// (got "${redactUrl(url)}")`, {
      hint: 'Pass --database-url postgres://USER@HOST:PORT/DBNAME (or set DATABASE_URL); the password may come from PGPASSWORD or ~/.pgpass.',
    });
  }
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    parsed = parseConnectionString(url);
  } catch (cause) {
    throw new DbrollbackError('CONFIG_INVALID', `database URL "${redactUrl(url)}" cannot be parsed`, {
      hint: 'Check the URL: postgres://USER:PASSWORD@HOST:PORT/DBNAME; percent-encode special characters in the password.',
      cause,
    });
  }
  const fromEnv = connInfoFromEnv(env);
  const port = parsed.port ? Number(parsed.port) : fromEnv.port;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new DbrollbackError('CONFIG_INVALID', `database URL "${redactUrl(url)}" has an invalid port "${parsed.port}"`, {
      hint: 'Use a port between 1 and 65535.',
    });
  }
  const sslmode = (parsed as { sslmode?: string }).sslmode ?? fromEnv.sslmode;
  return {
    host: parsed.host || fromEnv.host,
    port,
    user: parsed.user || fromEnv.user,
    password: parsed.password ?? fromEnv.password,
    database: parsed.database || fromEnv.database,
    sslmode,
    applicationName: (parsed as { application_name?: string }).application_name ?? fromEnv.applicationName,
  };
}

/** libpq's own defaults: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE. */
export function connInfoFromEnv(env: NodeJS.ProcessEnv = process.env): ConnInfo {
  const user = env.PGUSER || env.USER || 'postgres';
  return {
    host: env.PGHOST || 'localhost',
    port: env.PGPORT ? Number(env.PGPORT) : 5432,
    user,
    password: env.PGPASSWORD || undefined,
    database: env.PGDATABASE || user,
    sslmode: env.PGSSLMODE || undefined,
    applicationName: env.PGAPPNAME || DEFAULT_APPLICATION_NAME,
  };
}

/** Same server and credentials, another database. */
export function withDatabase(conn: ConnInfo, database: string): ConnInfo {
  return { ...conn, database };
}

/** A URL without the password, for messages and logs. */
export function describeConn(conn: ConnInfo): string {
  const host = conn.host.startsWith('/') ? `socket ${conn.host}` : conn.host;
  return `${conn.user}@${host}:${conn.port}/${conn.database}`;
}

/** The URL form (with password) — only for in-process libraries that insist on a URL. */
export function connToUrl(conn: ConnInfo): string {
  const auth = encodeURIComponent(conn.user) + (conn.password !== undefined ? `:${encodeURIComponent(conn.password)}` : '');
  const hostIsSocket = conn.host.startsWith('/');
  const host = hostIsSocket ? 'localhost' : conn.host.includes(':') ? `[${conn.host}]` : conn.host;
  const params = new URLSearchParams();
  if (hostIsSocket) params.set('host', conn.host);
  if (conn.sslmode) params.set('sslmode', conn.sslmode);
  const query = params.toString();
  return `postgres://${auth}@${host}:${conn.port}/${encodeURIComponent(conn.database)}${query ? `?${query}` : ''}`;
}
