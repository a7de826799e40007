/**
 * A throwaway database for running code migrations: never the user's. Either
 * a database created (and dropped afterwards) on a server the caller names —
 * which needs the CREATEDB privilege there — or a whole throwaway local
 * cluster (initdb) when no server is given.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '../../db/connection.js';
import { describeConn, type ConnInfo } from '../../db/conninfo.js';
import { startCluster } from '../../pgtools/local-cluster.js';
import { DbrollbackError } from '../../errors.js';

export interface ScratchOptions {
  /** A server to create the scratch database on (its own database is only used to connect). Absent: a local throwaway cluster. */
  server?: ConnInfo;
  /** Why a server the user named is not used (its role may not create databases): said if the local cluster cannot start either. */
  localBecause?: string;
}

export async function withScratchDatabase<T>(options: ScratchOptions, fn: (conn: ConnInfo) => Promise<T>): Promise<T> {
  if (!options.server) {
    const cluster = await startCluster().catch((cause: unknown) => {
      throw new DbrollbackError('TOOL_FAILED', `cannot start a throwaway PostgreSQL cluster to run code migrations in: ${(cause as Error).message}${options.localBecause ? ` (${options.localBecause})` : ''}`, {
        hint: options.localBecause
          ? 'Install the PostgreSQL server binaries (initdb, pg_ctl) for a local throwaway cluster, or give the role CREATEDB so the scratch database can be made on its server (as a superuser: ALTER ROLE <role> CREATEDB); your database is not touched either way.'
          : 'Pass --database-url of a server where dbrollback may create (and drop) a scratch database, or install the PostgreSQL server binaries (initdb, pg_ctl).',
        cause,
      });
    });
    try {
      return await fn(await cluster.createDatabase('dbrollback_scratch'));
    } finally {
      await cluster.stop();
    }
  }
  const server = options.server;
  const name = `dbrollback_scratch_${randomBytes(6).toString('hex')}`;
  const admin = await connect(server);
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
  } catch (cause) {
    await admin.end().catch(() => undefined);
    throw new DbrollbackError('QUERY_FAILED', `cannot create a scratch database on ${describeConn(server)}: ${(cause as Error).message}`, {
      hint: 'Code migrations are captured by running them in a throwaway database (your database is not touched): give the role CREATEDB (as a superuser: ALTER ROLE <role> CREATEDB).',
      cause,
    });
  }
  try {
    return await fn({ ...server, database: name });
  } finally {
    const major = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v) / 10000;
    if (major >= 13) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    else {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`).catch(() => undefined);
    }
    await admin.end().catch(() => undefined);
  }
}
