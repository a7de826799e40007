/**
 * Restore fingerprints each table as soon as pg_restore has committed its
 * data (overlapping the hashing with the index builds that follow): those
 * early fingerprints must be exactly what a full fingerprint of the finished
 * database gives, and pg_restore's errors must read as before.
 */
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EarlyFingerprints } from '../../../src/backup/restore/early-fingerprints.js';
import { programNames, startRestore } from '../../../src/backup/restore/pg-restore.js';
import { RestoreProgress } from '../../../src/backup/restore/progress-lines.js';
import { backup, DbrollbackError, resolveConfig, restore } from '../../../src/index.js';
import { findBinary } from '../../../src/pgtools/binaries.js';
import { libpqEnv } from '../../../src/pgtools/run.js';
import type { TableFingerprint } from '../../../src/fingerprint/fingerprint.js';
import { startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import { fingerprintsOf, SEED_SQL } from './support.js';
import { runOf } from '../../harness/runs.js';

let cluster: Cluster;
let seed: string;
let work: string;

// The last table's compressed data (~5 MB of md5 text) comes last in the dump.
const BIG_TABLE_SQL = `
  CREATE TABLE public.zz_big (id int PRIMARY KEY, v text NOT NULL);
  INSERT INTO public.zz_big SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 150000) g;`;

beforeAll(async () => {
  cluster = await startCluster();
  seed = uniqueName('seed');
  await cluster.createDatabase(seed);
  await cluster.sql(seed, SEED_SQL + BIG_TABLE_SQL);
  work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-early-fp-'));
});

afterAll(async () => {
  await cluster?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const nameOf = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;

describe('fingerprints taken while pg_restore runs', () => {
  it.each([
    ['one connection per table', undefined],
    ['every table in two block ranges on two connections', 0],
  ])('tables whose data is committed are fingerprinted while pg_restore is still loading, and equal a fresh full fingerprint of the restored database (%s)', async (_how, splitBytes) => {
    const pgDump = await findBinary('pg_dump');
    const pgRestore = await findBinary('pg_restore');
    const dump = (await execa(pgDump.path, ['--format=custom', '--dbname', seed], { env: { ...process.env, ...libpqEnv(cluster.conn(seed)) }, encoding: 'buffer' })).stdout;
    const target = uniqueName('early');
    await cluster.createDatabase(target);
    const conn = cluster.conn(target);

    const early: TableFingerprint[] = [];
    const debug: string[] = [];
    const fingerprints = new EarlyFingerprints(conn, { onEarly: (fp) => early.push(fp), onDebug: (line) => debug.push(line), splitBytes });
    const progress = new RestoreProgress({ parallel: false, programs: programNames(pgRestore) });
    const child = startRestore(pgRestore, conn, null, {
      jobs: 1,
      noOwner: false,
      onLine: (line) => {
        for (const event of progress.line(line)) {
          if (event.kind === 'data-loaded') fingerprints.loaded(event.table);
          else fingerprints.distrust(event.reason);
        }
      },
    });
    let running = true;
    const exited = child.exited.finally(() => (running = false));
    try {
      // Hold back the end of the dump: pg_restore then waits in the middle of the last table's COPY.
      const holdBack = 512 * 1024;
      expect(dump.length).toBeGreaterThan(4 * holdBack);
      child.stdin!.write(dump.subarray(0, dump.length - holdBack));
      await until(() => early.length >= 3, 'the early fingerprints of the tables loaded before zz_big');
      expect(running).toBe(true);
      expect(early.map(nameOf)).toEqual(['app.customers', 'app.orders', 'public.settings']);
      child.stdin!.end(dump.subarray(dump.length - holdBack));
      await exited;

      const result = await fingerprints.finish(1);
      const fresh = await fingerprintsOf(conn);
      expect(result.tables).toEqual(fresh);
      expect(fresh.map(nameOf)).toEqual(['app.customers', 'app.orders', 'public.settings', 'public.zz_big']);
      for (const fp of early) expect(fresh).toContainEqual(fp);
      expect(result.early).toBeGreaterThanOrEqual(3);
      expect(debug.join('\n')).not.toMatch(/fingerprinting every table after pg_restore exits/);
    } finally {
      child.stdin?.destroy();
      await exited.catch(() => undefined);
      await fingerprints.close();
    }
  });
});

describe('restore() with early fingerprints', () => {
  async function backedUp(extraSql: string): Promise<{ config: Awaited<ReturnType<typeof resolveConfig>>; tables: TableFingerprint[]; id: string }> {
    const db = uniqueName('src');
    await cluster.createDatabase(db, { template: seed });
    if (extraSql) await cluster.sql(db, extraSql);
    const storage = await mkdtemp(path.join(work, 'store-'));
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage }, { env: {} });
    const { manifest } = await backup(runOf(config));
    return { config, tables: manifest.tables, id: manifest.id };
  }

  it.each([1, 2])('--jobs %i: same-named tables in two schemas, triggers and all: the comparison is the full one and passes', async (jobs) => {
    const { config, tables, id } = await backedUp(`
      CREATE SCHEMA other;
      CREATE TABLE other.settings (key text PRIMARY KEY, value text);
      INSERT INTO other.settings VALUES ('other', 'x');
      CREATE TABLE public."odd.name s" (a int);
      INSERT INTO public."odd.name s" SELECT generate_series(1, 10);
      CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
      CREATE TRIGGER t BEFORE INSERT ON other.settings FOR EACH ROW EXECUTE FUNCTION public.touch();`);
    const target = uniqueName(`restored_j${jobs}`);
    const r = await restore(runOf(config), { backup: id, targetDatabase: cluster.url(target), jobs });
    expect(r.ok).toBe(true);
    expect(r.verify?.checks.find((c) => c.id === 'fingerprints')).toMatchObject({ status: 'pass', detail: expect.stringContaining(`${tables.length}`) });
    expect(r.fingerprintedDuringRestore).toBeGreaterThanOrEqual(0);
    expect(await fingerprintsOf(cluster.conn(target))).toEqual(tables);
  });

  it('a materialized view refresh (user code) makes every table be fingerprinted after pg_restore exits', async () => {
    const { config, tables, id } = await backedUp('CREATE MATERIALIZED VIEW public.order_totals AS SELECT customer_id, sum(total) AS total FROM app.orders GROUP BY 1');
    const debug: string[] = [];
    const r = await restore(runOf(config), { backup: id, targetDatabase: cluster.url(uniqueName('restored_mv')), onDebug: (line) => debug.push(line) });
    expect(r.ok).toBe(true);
    expect(r.verify?.checks.find((c) => c.id === 'fingerprints')).toMatchObject({ status: 'pass', detail: expect.stringContaining(`${tables.length}`) });
    expect(r.fingerprintedDuringRestore).toBe(0);
    expect(debug.join('\n')).toMatch(/fingerprinting every table after pg_restore exits \(a MATERIALIZED VIEW DATA item/);
    // --verbose shows pg_restore's own progress.
    expect(debug).toContain('pg_restore: processing data for table "app.orders"');
  });

  it("a failing pg_restore still reports pg_restore's own error (not its progress lines), and the new database is dropped", async () => {
    const role = uniqueName('gone_owner');
    await cluster.sql('postgres', `CREATE ROLE ${role}`);
    const { config, id } = await backedUp(`ALTER TABLE app.orders OWNER TO ${role}`);
    // The backup names the role; the cluster restored into no longer has it.
    await cluster.sql(config.conn.database, `REASSIGN OWNED BY ${role} TO CURRENT_USER`);
    await cluster.sql('postgres', `DROP ROLE ${role}`);
    const target = uniqueName('restored_fail');
    const err = (await restore(runOf(config), { backup: id, targetDatabase: cluster.url(target) })).error;
    expect(err).toBeInstanceOf(DbrollbackError);
    const e = err as DbrollbackError;
    expect(e.code).toBe('RESTORE_FAILED');
    expect(e.message).toMatch(new RegExp(`role "${role}" does not exist`));
    expect(e.message).not.toMatch(/creating TABLE|processing data for table/);
    expect(e.hint).toMatch(/--no-owner/);
    const left = await cluster.sql<{ n: string }>('postgres', 'SELECT count(*) AS n FROM pg_database WHERE datname = $1', [target]);
    expect(left[0]!.n).toBe('0');
  });
});
