import pg from 'pg';
import { DbrollbackError } from '../errors.js';
import { registerSecret } from '../secrets/redact.js';
import { describeConn, type ConnInfo } from './conninfo.js';
import { trace } from '../trace.js';
import { isVerifyFailure, serverHasNoSsl, SSL_HINT, sslAttempts, sslProblem, type SslOption } from './tls.js';

/** TLS settings that cannot work (libpq refuses them too): bad input, nothing done. */
export function sslSetupError(conn: ConnInfo, problem: string): DbrollbackError {
  return new DbrollbackError('CONFIG_INVALID', `the connection to ${describeConn(conn)} cannot be made as configured: ${problem}`, { hint: `Nothing was done. ${SSL_HINT}` });
}

export type Db = pg.Client;

export interface ConnectOptions {
  /** Seconds to wait for the TCP connection and authentication. */
  connectTimeoutSeconds?: number;
}

/** Open one connection; a failure names the server (never the password) and what to check. */
export async function connect(conn: ConnInfo, options: ConnectOptions = {}): Promise<Db> {
  return beginConnect(conn, options).ready;
}

/** A connection being opened, which can be abandoned (closed at once) before it is ready. */
export interface PendingConnection {
  ready: Promise<Db>;
  /** Close it, opened or not; never throws. */
  abandon(): Promise<void>;
}

export function beginConnect(conn: ConnInfo, options: ConnectOptions = {}): PendingConnection {
  let client: pg.Client | undefined;
  let connected = false;
  let abandoned = false;
  const ready = (async () => {
    const problem = sslProblem(conn);
    if (problem !== null) throw sslSetupError(conn, problem);
    const attempts = sslAttempts(conn);
    trace(`db: connecting (${conn.applicationName ?? 'dbrollback'})`);
    let opening = (client = newClient(conn, options, attempts.first));
    try {
      await opening.connect();
    } catch (first) {
      await opening.end().catch(() => undefined);
      // prefer: the server has no TLS, so unencrypted; allow: the server wants TLS, so encrypted — as libpq does.
      if (!attempts.fallback?.when(first) || abandoned) throw connectionError(conn, first);
      opening = client = newClient(conn, options, attempts.fallback.ssl);
      try {
        await opening.connect();
      } catch (cause) {
        await opening.end().catch(() => undefined);
        throw connectionError(conn, cause);
      }
    }
    connected = true;
    trace(`db: connected (${conn.applicationName ?? 'dbrollback'})`);
    return opening;
  })();
  const abandon = async (): Promise<void> => {
    abandoned = true;
    if (!client) return;
    // pg's end() on a connection still opening waits for the server (or the
    // connect timeout); dropping the socket is what abandoning means.
    const socket = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
    if (connected || typeof socket?.destroy !== 'function') await client.end().catch(() => undefined);
    else socket.destroy();
    await ready.catch(() => undefined);
  };
  return { ready, abandon };
}

function newClient(conn: ConnInfo, options: ConnectOptions, ssl: SslOption): pg.Client {
  registerSecret(conn.password);
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    application_name: conn.applicationName,
    connectionTimeoutMillis: (options.connectTimeoutSeconds ?? 10) * 1000,
    ssl,
  });
  // An idle client whose server goes away emits 'error'; without a listener Node would crash.
  client.on('error', () => undefined);
  return client;
}

/** Run `fn` with a fresh connection and always close it. */
export async function withDb<T>(conn: ConnInfo, fn: (db: Db) => Promise<T>, options?: ConnectOptions): Promise<T> {
  const db = await connect(conn, options);
  try {
    return await fn(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

export function connectionError(conn: ConnInfo, cause: unknown): DbrollbackError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const where = conn.host.startsWith('/') ? `socket ${conn.host}/.s.PGSQL.${conn.port}` : `${conn.host}:${conn.port}`;
  if (isVerifyFailure(cause)) {
    return new DbrollbackError('SSL_VERIFY_FAILED', `the server at ${where} did not pass sslmode=${conn.sslmode ?? 'prefer'} verification: ${reason}`, {
      hint: `Nothing was done. ${conn.sslmode === 'verify-full' ? 'Check that sslrootcert is the CA that signed the server\'s certificate and that the certificate names the host you connect to. ' : 'Check that sslrootcert is the CA that signed the server\'s certificate. '}${SSL_HINT}`,
      cause,
    });
  }
  if (serverHasNoSsl(cause)) {
    return new DbrollbackError('CONNECTION_FAILED', `could not connect to ${where}: the server does not support SSL, but sslmode=${conn.sslmode} requires it`, {
      hint: 'Turn ssl on in the server, or connect with sslmode=prefer (or disable).',
      cause,
    });
  }
  return new DbrollbackError('CONNECTION_FAILED', `could not connect to ${where} (database "${conn.database}", user "${conn.user}"): ${reason}`, {
    hint: `Check that PostgreSQL is running and reachable at ${describeConn(conn)}, and the credentials (--database-url, DATABASE_URL or PG* variables).`,
    cause,
  });
}

/** Wrap a failed query with PostgreSQL's fields kept. */
export function queryError(what: string, cause: unknown, hint?: string): DbrollbackError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DbrollbackError('QUERY_FAILED', `${what}: ${reason}`, { hint, cause });
}

/** Server version as a number (e.g. 150019) and its major (15). */
export async function serverVersion(db: Db): Promise<{ num: number; major: number; text: string }> {
  const { rows } = await db.query<{ num: string; text: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text",
  );
  const num = Number(rows[0]!.num);
  return { num, major: Math.floor(num / 10000), text: rows[0]!.text };
}

/** Quote an SQL identifier (schema, table, column, database name). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quote a possibly schema-qualified name given as parts. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** Quote an SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
