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
  /**
   * libpq's sslmode (disable, allow, prefer, require, verify-ca, verify-full;
   * unset means prefer, as for libpq), honoured with libpq's meanings by
   * dbrollback's own connections (connection.ts) and passed to the pg tools
   * it runs (PGSSLMODE).
   */
  sslmode: string | undefined;
  /** CA certificate(s) to verify the server with (libpq's sslrootcert / PGSSLROOTCERT; "system" = the system's trusted CAs). */
  sslrootcert?: string | undefined;
  /** Client certificate and its key (sslcert / PGSSLCERT, sslkey / PGSSLKEY). */
  sslcert?: string | undefined;
  sslkey?: string | undefined;
  applicationName: string;
}

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/** The URL's TLS parameters, taken out before pg-connection-string sees them: it gives them its own meanings (and prints a warning block), not libpq's. */
const SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'] as const;
const FOREIGN_SSL_PARAMS = ['ssl', 'uselibpqcompat'];

function splitSslParams(url: string): { rest: string; ssl: Partial<Record<(typeof SSL_PARAMS)[number], string>>; foreign: string[] } {
  const q = url.indexOf('?');
  if (q < 0) return { rest: url, ssl: {}, foreign: [] };
  const params = new URLSearchParams(url.slice(q + 1));
  const ssl: Partial<Record<(typeof SSL_PARAMS)[number], string>> = {};
  for (const name of SSL_PARAMS) {
    const value = params.get(name);
    if (value !== null) ssl[name] = value;
    params.delete(name);
  }
  const foreign = FOREIGN_SSL_PARAMS.filter((name) => params.has(name));
  const query = params.toString();
  return { rest: `${url.slice(0, q)}${query ? `?${query}` : ''}`, ssl, foreign };
}

const DEFAULT_APPLICATION_NAME = 'dbrollback';

/** Parse a postgres:// URL (or key=value-free URL-ish string) into ConnInfo; PG* env fills the gaps. */
export function connInfoFromUrl(url: string, env: NodeJS.ProcessEnv = process.env): ConnInfo {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new DbrollbackError('CONFIG_INVALID', `database URL must start with postgres:// or postgresql:// (got "${redactUrl(url)}")`, {
      hint: 'Pass --database-url postgres://USER@HOST:PORT/DBNAME (or set DATABASE_URL); the password may come from PGPASSWORD or ~/.pgpass.',
    });
  }
  const { rest, ssl, foreign } = splitSslParams(url);
  if (foreign.length > 0) {
    throw new DbrollbackError('CONFIG_INVALID', `database URL "${redactUrl(url)}" has ${foreign.map((f) => `"${f}"`).join(', ')}, which libpq does not know`, {
      hint: 'Use sslmode=disable|allow|prefer|require|verify-ca|verify-full (with sslrootcert=FILE for verify-ca and verify-full), as for psql and pg_dump.',
    });
  }
  if (ssl.sslmode !== undefined && !(SSL_MODES as readonly string[]).includes(ssl.sslmode)) {
    throw new DbrollbackError('CONFIG_INVALID', `database URL "${redactUrl(url)}" has sslmode "${ssl.sslmode}", which is not one of ${SSL_MODES.join(', ')}`, {
      hint: 'Use one of libpq\'s sslmode values, e.g. sslmode=require (encrypted) or sslmode=verify-full&sslrootcert=FILE (encrypted, server verified).',
    });
  }
  let parsed: ReturnType<typeof parseConnectionString>;
  try {
    parsed = parseConnectionString(rest);
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
  return {
    host: parsed.host || fromEnv.host,
    port,
    user: parsed.user || fromEnv.user,
    password: parsed.password ?? fromEnv.password,
    database: parsed.database || fromEnv.database,
    sslmode: ssl.sslmode ?? fromEnv.sslmode,
    sslrootcert: ssl.sslrootcert ?? fromEnv.sslrootcert,
    sslcert: ssl.sslcert ?? fromEnv.sslcert,
    sslkey: ssl.sslkey ?? fromEnv.sslkey,
    applicationName: (parsed as { application_name?: string }).application_name ?? fromEnv.applicationName,
  };
}

/** libpq's own defaults: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY. */
export function connInfoFromEnv(env: NodeJS.ProcessEnv = process.env): ConnInfo {
  const user = env.PGUSER || env.USER || 'postgres';
  return {
    host: env.PGHOST || 'localhost',
    port: env.PGPORT ? Number(env.PGPORT) : 5432,
    user,
    password: env.PGPASSWORD || undefined,
    database: env.PGDATABASE || user,
    sslmode: env.PGSSLMODE || undefined,
    sslrootcert: env.PGSSLROOTCERT || undefined,
    sslcert: env.PGSSLCERT || undefined,
    sslkey: env.PGSSLKEY || undefined,
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
  if (conn.sslrootcert) params.set('sslrootcert', conn.sslrootcert);
  if (conn.sslcert) params.set('sslcert', conn.sslcert);
  if (conn.sslkey) params.set('sslkey', conn.sslkey);
  const query = params.toString();
  return `postgres://${auth}@${host}:${conn.port}/${encodeURIComponent(conn.database)}${query ? `?${query}` : ''}`;
}
