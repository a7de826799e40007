/**
 * Under load: pgbench writing while dbrollback works. A backup is exactly its
 * snapshot (the restore matches the manifest's fingerprints, while the live
 * tables moved on), and an undo beside live traffic completes, its verify
 * judging every table the application did not write.
 */
import { execa, type ResultPromise } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, fingerprint, resolveConfig, restore, undo } from '../../../src/index.js';
import { connect } from '../../../src/db/connection.js';
import { findBinary } from '../../../src/pgtools/binaries.js';
import { libpqEnv } from '../../../src/pgtools/run.js';
import { startCluster, uniqueName, type Cluster } from '../../harness/cluster.js';
import { shopAt } from '../undo/support.js';
import { runOf } from '../../harness/runs.js';

let cluster: Cluster;
let pgbenchPath: string;
beforeAll(async () => {
  cluster = await startCluster();
  pgbenchPath = path.join(path.dirname((await findBinary('pg_dump')).path), 'pgbench');
});
afterAll(async () => cluster?.stop());

async function pgbenchInit(database: string): Promise<void> {
  await execa(pgbenchPath, ['-i', '-q', '-s', '1'], { env: libpqEnv(cluster.conn(database)) });
}

/** pgbench's TPC-B-like load on its own tables for up to `seconds`; stop() ends it early. */
function pgbenchLoad(database: string, seconds = 30): { stop(): Promise<void> } {
  const child: ResultPromise = execa(pgbenchPath, ['-n', '-c', '2', '-j', '1', '-T', String(seconds)], { env: { ...libpqEnv(cluster.conn(database)), PGAPPNAME: 'pgbench' }, reject: false });
  return {
    async stop() {
      child.kill('SIGINT');
      await child;
    },
  };
}

async function historyRows(database: string): Promise<number> {
  return (await cluster.sql<{ n: number }>(database, 'SELECT count(*)::int AS n FROM pgbench_history'))[0]!.n;
}

async function waitForRows(database: string, atLeast: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await historyRows(database)) < atLeast) {
    if (Date.now() > deadline) throw new Error('pgbench wrote nothing');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('under pgbench load', () => {
  it('a backup taken while pgbench writes restores to exactly its snapshot\'s fingerprints', async () => {
    const db = uniqueName('load');
    await cluster.createDatabase(db);
    await pgbenchInit(db);
    const config = await resolveConfig({ databaseUrl: cluster.url(db), storage: path.join(cluster.baseDir, `store-${db}`) }, { env: {} });
    const load = pgbenchLoad(db);
    let manifest;
    let before: number;
    try {
      await waitForRows(db, 50);
      before = await historyRows(db);
      ({ manifest } = await backup(runOf(config)));
      await waitForRows(db, manifest.tables.find((t) => t.table === 'pgbench_history')!.rows + 50);
    } finally {
      await load.stop();
    }
    // The snapshot sits between what was written before and after it: the load really ran through the backup.
    const inBackup = manifest.tables.find((t) => t.table === 'pgbench_history')!.rows;
    expect(inBackup).toBeGreaterThanOrEqual(before);
    expect(await historyRows(db)).toBeGreaterThan(inBackup);

    const target = uniqueName('load_restored');
    const restored = await restore(runOf(config), { backup: manifest.id, targetDatabase: cluster.url(target) });
    expect(restored.ok).toBe(true);
    expect(restored.verify?.checks.find((c) => c.id === 'fingerprints')?.status).toBe('pass');
    const conn = await connect(cluster.conn(target));
    try {
      expect(await fingerprint(conn)).toEqual(manifest.tables);
    } finally {
      await conn.end();
    }
  });

  it('undo beside live pgbench traffic completes; verify excuses only the tables pgbench wrote and judges the rest', async () => {
    const p = await shopAt(cluster, 'sql', 2); // head 004: its down renames orders.customer_note
    await pgbenchInit(p.database);
    const load = pgbenchLoad(p.database);
    const log: string[] = [];
    let report;
    try {
      await waitForRows(p.database, 20);
      // --backup full: the baseline is the whole database, so the tables pgbench wrote are compared and excused by name.
      report = await undo(runOf(p.config), { yes: true, backup: 'full', target: { count: 1 }, onStep: (line) => log.push(line) });
    } finally {
      await load.stop();
    }
    expect(report.error).toBeNull();
    expect(report.undone).toEqual(['004_rename-order-note']);
    const fingerprints = report.verify!.checks.find((c) => c.id === 'fingerprints')!;
    expect(fingerprints.status).toBe('pass');
    const data = fingerprints.data as { matched: number; expectedChanges: Array<{ table: string }> };
    const excused = data.expectedChanges.map((d) => d.table);
    // pgbench's tables were written meanwhile; the shop's untouched tables were compared in full.
    // Expected tables are compared by row count only, so the report lists those whose count moved.
    expect(excused).toContain('pgbench_history');
    expect(excused.some((t) => ['customers', 'products'].includes(t))).toBe(false);
    expect(data.matched).toBeGreaterThanOrEqual(2);
    const trafficLine = log.find((l) => l.startsWith('traffic was not paused'));
    expect(trafficLine).toMatch(/\(\d+ other session\(s\)\): .*written meanwhile/);
    for (const table of ['pgbench_accounts', 'pgbench_history']) expect(trafficLine).toContain(`public.${table}`);
    for (const table of ['customers', 'products']) expect(trafficLine).not.toContain(`public.${table}`);
  });

  it('with --pause-traffic given, writes that still happen are judged: verify fails (exit 3) naming pgbench\'s tables, and says traffic was not fully paused', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    await pgbenchInit(p.database);
    const load = pgbenchLoad(p.database);
    let report;
    try {
      await waitForRows(p.database, 20);
      // A pause hook that pauses nothing: the application keeps writing.
      report = await undo(runOf(p.config), { yes: true,  target: { count: 1 }, pauseTraffic: 'true' });
    } finally {
      await load.stop();
    }
    expect(report.outcome).toBe('verify-failed');
    expect(report.error?.exitCode).toBe(3);
    const fingerprints = report.verify!.checks.find((c) => c.id === 'fingerprints')!;
    expect(fingerprints.status).toBe('fail');
    expect(fingerprints.problems?.join('\n')).toMatch(/pgbench_history/);
    // The message says the pause did not stop everything: a restore of the backup would lose the application's rows.
    expect(report.error!.message).toMatch(/public\.pgbench_[a-z]+(, public\.pgbench_[a-z]+)* were written during the run, after --pause-traffic, though the downs were not expected to write them: traffic was not fully paused/);
    expect(report.error!.message).toContain('a restore of the backup would lose them');
  });
});
