/**
 * Both drill providers, each running every scenario on the shop fixtures of
 * all three migration tools: one throwaway server per provider (started with
 * the archiving settings a PITR drill needs), the scenarios run on it through
 * drill(), and a backup of a seeded "production" cluster restored into it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/db/connection.js';
import { drill, type DrillReport } from '../../../src/drill/drill.js';
import type { ProviderName, StartedDatabase } from '../../../src/drill/providers/contract.js';
import { chooseProvider, PROVIDERS } from '../../../src/drill/providers/registry.js';
import { migrationsScenario } from '../../../src/drill/scenarios/migrations.js';
import { pitrScenario, PITR_NO_BASE_BACKUP } from '../../../src/drill/scenarios/pitr.js';
import { selectScenarios } from '../../../src/drill/scenarios/registry.js';
import { restoreScenario } from '../../../src/drill/scenarios/restore.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import { freePort, startCluster, type Cluster } from '../../harness/cluster.js';
import { corruptDumps, dockerGate, productionWithBackup, SEED, shopMigrator, TOOLS } from './support.js';

const SHOP = ['001_create-tables', '002_add-customer-phone', '003_index-orders-customer', '004_rename-order-note', '005_drop-customer-legacy-code', '006_backfill-product-sku', '007_collapse-order-statuses'];
const ARCHIVING = { wal_level: 'replica', archive_mode: 'on', archive_command: "'/bin/true %p'" };

const gate = await dockerGate();

let production: Cluster;
let storageDir: string;
let backupId: string;
let dumpBytes: number;
/** The backed-up database's name: the restore drill's 'latest' is its newest backup. */
let of: string;
beforeAll(async () => {
  storageDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-storage-'));
  production = await startCluster();
  let conn: { database: string };
  ({ backupId, sizeBytes: dumpBytes, conn } = await productionWithBackup(production, storageDir));
  of = conn.database;
});
afterAll(async () => {
  await production?.stop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
});

function scenarioOf(report: DrillReport, name: string) {
  const s = report.scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no ${name} scenario in the report`);
  return s;
}

function providerSuite(name: ProviderName) {
  let server: StartedDatabase;
  beforeAll(async () => {
    server = await PROVIDERS[name].start({ settings: ARCHIVING });
  });
  afterAll(async () => server?.stop());

  it(`${name}: the server runs with the archiving settings a PITR drill needs`, async () => {
    expect(server.provider).toBe(name);
    expect(server.version).toMatch(/^\d+\.\d+/);
    const db = await connect(server.conn);
    try {
      const { rows } = await db.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'archive_mode', 'archive_command') ORDER BY name");
      expect(rows).toEqual([
        { name: 'archive_command', setting: '/bin/true %p' },
        { name: 'archive_mode', setting: 'on' },
        { name: 'wal_level', setting: 'replica' },
      ]);
    } finally {
      await db.end();
    }
  });

  for (const tool of TOOLS) {
    it(`${name}: the migrations drill walks the ${tool} shop up → down → up on seeded data`, async () => {
      const report = await drill({ server, scenarios: [migrationsScenario({ openMigrator: await shopMigrator(tool), seed: SEED, database: `drill_${tool.replace(/-/g, '_')}` })] });
      const s = scenarioOf(report, 'migrations');
      expect(s.status, JSON.stringify(s.steps.filter((t) => t.status !== 'pass'))).toBe('pass');
      expect(report.ok).toBe(true);
      expect(s.facts).toMatchObject({ migrations: 7, downsRehearsed: 6, withoutDown: ['007_collapse-order-statuses'], seedLoadedAfter: '002_add-customer-phone' });
      const names = s.steps.map((t) => t.name);
      expect(names.slice(0, 3)).toEqual(['up 001_create-tables', 'up 002_add-customer-phone', 'seed seed.sql']);
      expect(names).toContain('rebuild at 006_backfill-product-sku');
      expect(names.slice(-7)).toEqual(SHOP.map((m) => `up again ${m}`));
      expect(s.steps.find((t) => t.name === 'down 007_collapse-order-statuses')).toMatchObject({ status: 'skip' });
      // Downs of 002..004 ran with the seed rows present; the tables they do not touch kept their fingerprints.
      expect(s.steps.find((t) => t.name === 'down 004_rename-order-note')!.detail).toMatch(/3 untouched table\(s\) kept their fingerprints/);
    });
  }

  it(`${name}: the restore drill restores the latest backup, proves it against the manifest and reports the RTO and sizes`, async () => {
    const storage = openStorage(storageDir);
    try {
      const report = await drill({ server, scenarios: [restoreScenario({ storage, of })] });
      const s = scenarioOf(report, 'restore');
      expect(s.status, JSON.stringify(s.steps)).toBe('pass');
      expect(s.steps.map((t) => [t.name, t.status])).toEqual([
        ['find the backup', 'pass'],
        ['restore', 'pass'],
        ['verify against the manifest', 'pass'],
      ]);
      expect(s.facts).toMatchObject({ backupId, dumpBytes, tables: 5 });
      expect(s.facts.rtoMs as number).toBeGreaterThan(0);
      expect(s.facts.databaseBytes as number).toBeGreaterThan(dumpBytes);
      expect(s.detail).toMatch(/restored and verified in \d+\.\d s \(RTO\)/);
    } finally {
      await storage.close();
    }
  });

  it(`${name}: all scenarios together skip pitr, saying the storage holds no base backup`, async () => {
    const storage = openStorage(storageDir);
    try {
      const report = await drill({ server, all: true, scenarios: selectScenarios('all', { restore: { storage, of, backup: backupId }, pitr: { storage } }) });
      expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
        ['migrations', 'skip'],
        ['restore', 'pass'],
        ['pitr', 'skip'],
      ]);
      expect(scenarioOf(report, 'pitr').detail).toBe(PITR_NO_BASE_BACKUP);
      expect(report.ok).toBe(true);
    } finally {
      await storage.close();
    }
  });
}

describe('local provider', () => {
  providerSuite('local');
});

/** A provider started on a pinned port (--port) listens there. */
async function pinnedPortCheck(name: ProviderName): Promise<void> {
  const port = await freePort();
  const server = await PROVIDERS[name].start({ port });
  try {
    expect(server.conn.port).toBe(port);
    const db = await connect({ ...server.conn, host: '127.0.0.1', port });
    await db.end();
  } finally {
    await server.stop();
  }
}

it('local: --port pins the throwaway server to the given port', () => pinnedPortCheck('local'));

describe.skipIf(!gate.run && !gate.mustRun)('testcontainers provider', () => {
  if (!gate.run) {
    it('a Docker engine with the postgres image is reachable (CI started dockerd)', () => {
      throw new Error(`the testcontainers drill tests cannot run: ${gate.why}`);
    });
    return;
  }
  providerSuite('testcontainers');
  it('testcontainers: --port pins the host port the container is mapped to', () => pinnedPortCheck('testcontainers'));
});

describe('--provider auto', () => {
  it('uses testcontainers when an engine answers with the image, else a local cluster, and says why', async () => {
    const chosen = await chooseProvider('auto');
    if (gate.run) expect(chosen).toMatchObject({ provider: { name: 'testcontainers' }, reason: 'a Docker engine answered' });
    else expect(chosen).toMatchObject({ provider: { name: 'local' }, reason: `local cluster: ${gate.why}` });
    const missing = await chooseProvider('auto', { image: 'dbrollback-test-no-such-image:0' });
    expect(missing.provider.name).toBe('local');
    expect(missing.reason).toMatch(gate.run ? /image dbrollback-test-no-such-image:0 is not on the Docker engine/ : /no Docker engine is reachable/);
  });
});

describe('findings', () => {
  let server: StartedDatabase;
  beforeAll(async () => {
    server = await PROVIDERS.local.start();
  });
  afterAll(async () => server?.stop());

  it('a corrupted backup fails the restore drill (the drill found it), naming the checksum', async () => {
    const copy = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-corrupt-'));
    try {
      const { cp } = await import('node:fs/promises');
      await cp(storageDir, copy, { recursive: true });
      expect(await corruptDumps(copy)).toBe(1);
      const storage = openStorage(copy);
      const report = await drill({ server, scenarios: [restoreScenario({ storage, of })] });
      await storage.close();
      const s = scenarioOf(report, 'restore');
      expect(s.status).toBe('fail');
      expect(report.ok).toBe(false);
      expect(s.steps.find((t) => t.name === 'restore')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/sha256/i) });
      expect(s.steps.find((t) => t.name === 'verify against the manifest')).toMatchObject({ status: 'not-run' });
      // A rehearsal only reads the storage: no journal, no audit record.
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(copy)).filter((name) => name === 'journal' || name === 'audit')).toEqual([]);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('pitr named on its own cannot run and says why', async () => {
    const storage = openStorage(storageDir);
    const report = await drill({ server, scenarios: [pitrScenario({ storage })] });
    await storage.close();
    expect(report.scenarios[0]).toMatchObject({ name: 'pitr', status: 'error', detail: PITR_NO_BASE_BACKUP });
  });
});
