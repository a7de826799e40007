/**
 * The `local` drill provider: a throwaway cluster from this machine's own
 * PostgreSQL server programs (initdb + pg_ctl) on a free loopback port, run
 * as the `postgres` OS user when we are root. Needs no Docker engine.
 */
import path from 'node:path';
import { connect, serverVersion } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import { findBinary } from '../../pgtools/binaries.js';
import { startCluster } from '../../pgtools/local-cluster.js';
import type { DrillProvider, StartedDatabase, StartOptions } from './contract.js';

export const localProvider: DrillProvider = {
  name: 'local',

  async unavailable() {
    try {
      await findBinary('initdb');
      await findBinary('pg_ctl');
      return null;
    } catch (err) {
      return `the PostgreSQL server programs (initdb, pg_ctl) are not installed: ${err instanceof Error ? err.message : String(err)}`;
    }
  },

  async start(options: StartOptions = {}): Promise<StartedDatabase> {
    let cluster;
    try {
      cluster = await startCluster({ settings: options.settings, ...(options.port !== undefined ? { port: options.port } : {}) });
    } catch (err) {
      if (err instanceof DbrollbackError) throw err;
      throw new DbrollbackError('TOOL_FAILED', `could not start a throwaway local PostgreSQL cluster: ${err instanceof Error ? err.message : String(err)}`, {
        hint: 'Check that initdb and pg_ctl run here (scripts/install-deps.sh installs them), or use --provider testcontainers.',
        cause: err,
      });
    }
    const conn = cluster.conn('postgres');
    const db = await connect(conn);
    let version: string;
    try {
      version = (await serverVersion(db)).text;
    } finally {
      await db.end().catch(() => undefined);
    }
    const initdb = await findBinary('initdb');
    return {
      provider: 'local',
      url: cluster.url('postgres'),
      conn,
      version,
      where: path.dirname(initdb.path),
      stop: () => cluster.stop(),
    };
  },
};
