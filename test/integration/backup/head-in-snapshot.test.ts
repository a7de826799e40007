/**
 * A backup without a project (a nightly `dbrollback backup`) reads the
 * migration head from the history tables through the dump's snapshot
 * connection, not through a connection of its own: the head is the one in
 * the dump's snapshot, and the run opens one connection fewer before
 * pg_dump starts. Real cluster, node-pg-migrate's history table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../../../src/backup/backup.js';
import { connect } from '../../../src/db/connection.js';
import { resolveConfig } from '../../../src/run/config.js';
import { openRun } from '../../../src/run/run-context.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

let cluster: Cluster;
let url: string;
let cwd: string;
beforeAll(async () => {
  cluster = await startCluster();
  url = cluster.url((await cluster.createDatabase()).database);
  // No project: no config file, no migrations directory.
  cwd = await dirWith({ 'README.md': 'not a project\n' });
});
afterAll(async () => {
  await cluster?.stop();
  await removeTempDirs();
});

const HISTORY = 'CREATE TABLE public.pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)';

describe('the head of a backup without a project', () => {
  it('is read through the connection given (here one whose uncommitted history no other connection sees), and without one on a connection of its own', async () => {
    const db = await connect(cluster.conn(new URL(url).pathname.slice(1)));
    try {
      await db.query('BEGIN');
      await db.query(HISTORY);
      await db.query("INSERT INTO public.pgmigrations (name, run_on) VALUES ('1_create_orders', now())");
      const through = openRun(await resolveConfig({ databaseUrl: url }, { env: {}, cwd }));
      const own = openRun(await resolveConfig({ databaseUrl: url }, { env: {}, cwd }));
      try {
        expect(await through.headLookup(Promise.resolve(db))).toEqual({ configured: true, head: '1_create_orders', migrator: 'node-pg-migrate', from: 'public.pgmigrations' });
        expect(await own.headLookup()).toMatchObject({ configured: false, reason: expect.stringContaining('no known migration history table') });
      } finally {
        await through.close();
        await own.close();
      }
    } finally {
      await db.query('ROLLBACK').catch(() => undefined);
      await db.end();
    }
  });

  it('is read on a connection of its own when the one given failed to open (that failure is the caller\'s to report), and cached as read', async () => {
    const run = openRun(await resolveConfig({ databaseUrl: url }, { env: {}, cwd }));
    try {
      const failed = Promise.reject(new Error('could not open a snapshot for the backup'));
      expect(await run.headLookup(failed)).toMatchObject({ configured: false, reason: expect.stringContaining('no known migration history table') });
      expect(await run.headLookup()).toMatchObject({ configured: false });
    } finally {
      await run.close();
    }
  });

  it('is read in the dump\'s snapshot: backup hands the lookup its snapshot connection (inside the exported, read-only repeatable-read transaction), and the manifest names the head', async () => {
    const setup = await connect(cluster.conn(new URL(url).pathname.slice(1)));
    try {
      await setup.query(HISTORY);
      await setup.query("INSERT INTO public.pgmigrations (name, run_on) VALUES ('1_create_orders', now()), ('2_add_status', now())");
    } finally {
      await setup.end();
    }
    const run = openRun(await resolveConfig({ databaseUrl: url, storage: await dirWith({}) }, { env: {}, cwd }));
    let seen: Record<string, string> | undefined;
    try {
      const taken = await backup({
        conn: run.conn,
        storage: run.storage,
        async headLookup(on) {
          const db = await on!;
          seen = (await db.query<Record<string, string>>("SELECT current_setting('transaction_isolation') AS isolation, current_setting('transaction_read_only') AS read_only, (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid())::text AS others")).rows[0];
          return run.headLookup(on);
        },
      });
      expect(seen).toEqual({ isolation: 'repeatable read', read_only: 'on', others: '0' });
      expect(taken.manifest).toMatchObject({ migrationHead: '2_add_status', migrator: 'node-pg-migrate', verified: true });
    } finally {
      await run.close();
    }
  });
});
