/**
 * `migrate` marks the moment before each migration; `restore
 * --before-migration` lands exactly there. A cluster archives through the
 * built CLI's wal-push; each tool's project applies a migration that wipes
 * orders.status, more writes follow, and the point-in-time copy must hold
 * exactly the data from before the migration.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter, resolveConfig, type MigratorKind } from '../../../src/index.js';
import { interruptBuiltCli } from '../../harness/cli.js';
import { freePort, type Cluster } from '../../harness/cluster.js';
import { FIXTURES, TOOLS } from '../undo/support.js';
import { archiveCurrentSegment, archivingCluster, baseBackup, cli, query, sharedDir, stopCopy } from '../pitr/support.js';
import { BAD, contents, projectWithBadMigration } from './support.js';

interface MigrateDoc {
  ok: boolean;
  applied: string[];
  recovery: { via: string; backupId: string | null };
  migrations: Array<{ name: string; restorePoint: { name: string; lsn: string } | null }>;
}

interface RestoreDoc {
  ok: boolean;
  url: string;
  beforeMigration: { kind: string; migration: string; restorePoint?: string; lsn?: string; time?: string; sharedWith?: string[]; warnings: string[] };
  target: { kind: string };
}

describe('migrate, then restore --before-migration (point in time)', () => {
  let primary: Cluster;
  let storage: string;
  let work: string;
  const projects = new Map<MigratorKind, { args: string[]; database: string; before: Record<string, string[]> }>();

  const copyUrl = (doc: RestoreDoc) => doc.url.replace('postgres://postgres@', `postgres://postgres:${encodeURIComponent(primary.password)}@`);

  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-before-store-')).href;
    work = await sharedDir('dbrollback-before-work-');
    primary = await archivingCluster(storage);
    for (const tool of TOOLS) {
      const database = (await primary.createDatabase()).database;
      const args = [...(await projectWithBadMigration(tool)), '--database-url', primary.url(database), '--storage', storage];
      const first = await cli(['migrate', '--count', '2', '--backup', 'never', ...args]);
      expect(first.exitCode, first.stderr).toBe(0);
      await primary.sql(database, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
      const third = await cli(['migrate', '--count', '1', '--backup', 'never', ...args]);
      expect(third.exitCode, third.stderr).toBe(0);
      projects.set(tool, { args, database, before: {} });
    }
    await baseBackup(storage, primary.url('postgres'));
  });

  afterAll(async () => {
    await primary?.stop();
  });

  /**
   * The bad migration applied through migrate, then writes the application made afterwards, archived: done once per
   * tool by whichever test needs it first (each test sets up what it needs; the order they run in does not matter).
   */
  const damaged = new Map<MigratorKind, Promise<MigrateDoc>>();
  const damagedProject = (tool: MigratorKind): Promise<MigrateDoc> => {
    let done = damaged.get(tool);
    if (!done) {
      done = (async () => {
        const project = projects.get(tool)!;
        const url = primary.url(project.database);
        project.before = await contents(url);
        const run = await cli(['migrate', '--json', ...project.args]);
        expect(run.exitCode, run.stderr).toBe(0);
        const doc = run.json<MigrateDoc>();
        // The damage, then writes the application made afterwards.
        expect((await query<{ n: string }>(url, 'SELECT count(*) AS n FROM orders WHERE status IS NULL'))[0]!.n).toBe('5');
        await query(url, "INSERT INTO customers (email, name) VALUES ('later@example.com', 'Later Customer'); INSERT INTO products (sku, name, price_cents) VALUES ('later-1', 'Later', 100)");
        await archiveCurrentSegment(url);
        return doc;
      })();
      damaged.set(tool, done);
    }
    return done;
  };

  it.each(TOOLS)('%s: migrate marks the point before the bad migration without a logical backup (healthy archive); the copy holds exactly the data from before it', async (tool) => {
    const project = projects.get(tool)!;
    const doc = await damagedProject(tool);
    expect(doc.applied).toEqual([BAD]);
    // The WAL archive is healthy and a base backup reaches now: no logical backup is needed.
    expect(doc.recovery).toMatchObject({ via: 'wal-archive', backupId: null });
    expect(doc.migrations[0]!.restorePoint!.name).toBe(`dbrollback:before:${BAD}`);

    const dataDir = path.join(work, `before-${tool}`);
    const restore = await cli(['restore', '--before-migration', BAD, '--data-dir', dataDir, '--port', String(await freePort()), '--json', ...project.args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const report = restore.json<RestoreDoc>();
    expect(report.beforeMigration).toMatchObject({ kind: 'restore-point', migration: BAD, restorePoint: `dbrollback:before:${BAD}`, lsn: doc.migrations[0]!.restorePoint!.lsn, warnings: [] });
    expect(report.target.kind).toBe('name');
    try {
      expect(await contents(copyUrl(report).replace(/\/[^/]*$/, `/${project.database}`))).toEqual(project.before);
    } finally {
      await stopCopy(dataDir);
    }
  });

  describe('--tables: only the damaged tables come back (sql project)', () => {
    const recoveredSchemas = async (url: string) => (await query<{ n: string }>(url, "SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'dbrollback_%' ORDER BY 1")).map((r) => r.n);

    it('side by side: orders as they were before the migration land in dbrollback_recovered_*, while the live tables and the later writes stay', async () => {
      await damagedProject('sql');
      const project = projects.get('sql')!;
      const url = primary.url(project.database);
      const liveBefore = await contents(url);
      const run = await cli(['restore', '--before-migration', BAD, '--tables', 'public.orders', '--into-database', url, '--json', ...project.args]);
      expect(run.exitCode, run.stderr).toBe(0);
      const doc = run.json<{ ok: boolean; schema: string; tables: Array<{ table: string; now: string; rows: number; matches: boolean }>; droppedKeys: string[]; durationMs: number; beforeMigration: { kind: string } }>();
      expect(doc.beforeMigration.kind).toBe('restore-point');
      expect(doc.schema).toMatch(/^dbrollback_recovered_\d{8}t\d{9}z$/);
      expect(doc.tables).toEqual([{ table: 'public.orders', now: `${doc.schema}.orders`, rows: 5, fingerprint: expect.any(String), matches: true }]);
      // The copy does not tie itself to the live customers table.
      expect(doc.droppedKeys).toEqual(['orders.orders_customer_id_fkey']);
      const recovered = await query<{ r: string }>(url, `SELECT t::text AS r FROM ${doc.schema}.orders t ORDER BY 1`);
      expect(recovered.map((r) => r.r)).toEqual(project.before['public.orders']);
      // Nothing live was touched: the later writes and the damaged table are as they were.
      expect(await contents(url)).toEqual(liveBefore);
      expect(liveBefore['public.customers']!.some((r) => r.includes('later@example.com'))).toBe(true);
      // The throwaway instance is gone.
      expect(run.stderr).toMatch(/cleanup: done \(throwaway instance stopped and .* removed\)/);
    });

    it('--replace refuses when a foreign key from another table points at a recovered table (exit 4, names it, nothing changed)', async () => {
      await damagedProject('sql');
      const project = projects.get('sql')!;
      const url = primary.url(project.database);
      const schemas = await recoveredSchemas(url);
      const before = await contents(url);
      const run = await cli(['restore', '--before-migration', BAD, '--tables', 'public.orders', '--into-database', url, '--replace', '--yes', ...project.args]);
      expect(run.exitCode).toBe(4);
      expect(run.stderr).toContain('public.order_items.order_items_order_id_fkey → public.orders');
      expect(await contents(url)).toEqual(before);
      expect(await recoveredSchemas(url)).toEqual(schemas);
    });

    it('SIGTERM before the swap of --replace: exit 143, the live tables untouched, the recovered ones named in their schema, the throwaway removed, the run recorded as interrupted', async () => {
      await damagedProject('sql');
      const project = projects.get('sql')!;
      const url = primary.url(project.database);
      const schemas = await recoveredSchemas(url);
      const before = await contents(url);
      const run = await interruptBuiltCli(['restore', '--before-migration', BAD, '--tables', 'public.orders,public.order_items', '--into-database', url, '--replace', '--yes', '--json', ...project.args], 'restore:before-table-swap', 'SIGTERM');
      expect(run.paused).toBe(true);
      expect(run.exitCode, run.stderr).toBe(143);
      const doc = run.json<{ ok: boolean; replaced: boolean; schema: string; error: { code: string; message: string }; steps: Array<{ name: string; status: string }> }>();
      expect(doc).toMatchObject({ ok: false, replaced: false, error: { code: 'TERMINATED' } });
      expect(doc.error.message).toContain(`stopped by SIGTERM before step "swap"`);
      expect(doc.error.message).toContain(`holds the recovered tables in schema ${doc.schema}; the live tables were not touched`);
      expect(Object.fromEntries(doc.steps.map((s) => [s.name, s.status]))).toMatchObject({ recover: 'success', backup: 'success', copy: 'success', swap: 'not-run', verify: 'not-run', cleanup: 'success' });
      expect(await contents(url)).toEqual(before);
      expect(await recoveredSchemas(url)).toEqual([...schemas, doc.schema].sort());
      const history = (await cli(['history', '--json', ...project.args])).json<{ runs: Array<{ command: string; outcome: string }> }>().runs;
      expect(history[0]).toMatchObject({ command: 'restore', outcome: 'interrupted' });
      await query(url, `DROP SCHEMA ${doc.schema} CASCADE`);
    });

    it('--replace swaps orders and order_items in place in one transaction after a backup; later writes to other tables survive', async () => {
      await damagedProject('sql');
      const project = projects.get('sql')!;
      const url = primary.url(project.database);
      const liveBefore = await contents(url);
      // Ids handed out since the target must never be handed out again: one more order is taken live first.
      await query(url, 'INSERT INTO orders (customer_id) SELECT min(id) FROM customers');
      const [issued] = await query<{ n: string }>(url, "SELECT last_value::text AS n FROM public.orders_id_seq");
      const run = await cli(['restore', '--before-migration', BAD, '--tables', 'public.orders,public.order_items', '--into-database', url, '--replace', '--yes', '--json', ...project.args]);
      expect(run.exitCode, run.stderr).toBe(0);
      const doc = run.json<{ replaced: boolean; aside: string; backupId: string; tables: Array<{ table: string; rows: number; matches: boolean }>; keptAside: unknown[] }>();
      expect(doc.replaced).toBe(true);
      // What the restore took out of service, by primary key: the order taken live, and the five the bad migration changed.
      expect(doc.keptAside).toEqual([
        { table: 'public.orders', aside: `${doc.aside}.orders`, onlyAside: 1, changed: 5, onlyRestored: 0, note: null },
        { table: 'public.order_items', aside: `${doc.aside}.order_items`, onlyAside: 0, changed: 0, onlyRestored: 0, note: null },
      ]);
      expect(doc.backupId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      expect(doc.tables.map((t) => [t.table, t.rows, t.matches])).toEqual([['public.orders', 5, true], ['public.order_items', 6, true]]);
      const after = await contents(url);
      expect(after['public.orders']).toEqual(project.before['public.orders']);
      expect(after['public.order_items']).toEqual(project.before['public.order_items']);
      // Written after the bad migration, to tables that were not recovered: still there.
      expect(after['public.customers']).toEqual(liveBefore['public.customers']);
      expect(after['public.products']).toEqual(liveBefore['public.products']);
      const [next] = await query<{ n: string }>(url, "SELECT nextval('public.orders_id_seq')::text AS n");
      expect(Number(next!.n)).toBeGreaterThan(Number(issued!.n));
      // The damaged tables were put aside, not dropped.
      expect((await query<{ n: string }>(url, `SELECT count(*) AS n FROM ${doc.aside}.orders WHERE status IS NULL`))[0]!.n).toBe('5');
      // verify against the backup taken before the swap: the restored tables differ (as they should), and the tables
      // kept aside are dbrollback's own output — reported apart, never a difference (was: "not in the baseline", failed).
      const check = await cli(['verify', '--baseline', doc.backupId, '--json', ...project.args]);
      const fingerprints = check.json<{ checks: Array<{ id: string; data?: { differences: Array<{ schema: string; table: string }>; recoverySchemas?: Array<{ schema: string; table: string; kind: string }> } }> }>().checks.find((c) => c.id === 'fingerprints')!;
      expect(fingerprints.data!.differences.map((d) => `${d.schema}.${d.table}`).sort()).toEqual(['public.orders']);
      expect(fingerprints.data!.recoverySchemas!.map((d) => `${d.schema}.${d.table}:${d.kind}`).sort()).toEqual([`${doc.aside}.order_items:not-in-baseline`, `${doc.aside}.orders:not-in-baseline`]);
    });

    it.each([
      [['--tables', 'public.nope'], /public\.nope did not exist at the recovery target/],
      [['--tables', 'public.orders', '--port', 'SAME'], /is the throwaway instance/],
      [['--tables', 'public.orders', '--data-dir', '/tmp/x'], /without --data-dir/],
      [['--tables', 'public.orders', '--replace'], /--replace swaps the live public\.orders of .* and there is no terminal to confirm on/],
    ])('restore --before-migration %j is bad input: exit 2, nothing written to the target', async (flags, message) => {
      await damagedProject('sql');
      const project = projects.get('sql')!;
      const url = primary.url(project.database);
      const schemas = await recoveredSchemas(url);
      const before = await contents(url);
      const port = String(primary.port);
      const run = await cli(['restore', '--before-migration', BAD, ...flags.map((f) => (f === 'SAME' ? port : f)), '--into-database', url, ...project.args]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(await contents(url)).toEqual(before);
      expect(await recoveredSchemas(url)).toEqual(schemas);
      // No run is left looking interrupted: one refused before its journal leaves nothing, one refused after it is closed by its record.
      const runs = (await cli(['history', '--json', ...project.args])).json<{ runs: Array<{ key: string }> }>().runs;
      expect(runs.filter((r) => r.key.startsWith('journal/'))).toEqual([]);
    });
  });

  it('a migration applied without `migrate`: recovery to its applied-at time, with a warning naming the migrations that share it', async () => {
    const extraTool: MigratorKind = 'node-pg-migrate';
    const database = (await primary.createDatabase()).database;
    const url = primary.url(database);
    const migrationsArgs = await projectWithBadMigration(extraTool, {
      '005_add-order-tag.js': "export const up = (pgm) => { pgm.addColumns('orders', { tag: { type: 'text' } }); };\n",
      '006_tag-orders.js': "export const up = (pgm) => { pgm.sql(\"UPDATE orders SET tag = 'bulk'\"); };\nexport const down = false;\n",
    });
    const args = [...migrationsArgs, '--database-url', url, '--storage', storage];
    // 001-004 through migrate; 005 and 006 by the tool itself, in one run (one run_on for both).
    expect((await cli(['migrate', '--count', '4', '--backup', 'never', ...args])).exitCode).toBe(0);
    await query(url, "INSERT INTO customers (email, name) VALUES ('x@example.com', 'X'); INSERT INTO orders (customer_id) VALUES (1)");
    await new Promise((r) => setTimeout(r, 50));
    const before = await contents(url);
    const pending = await cli(['restore', '--before-migration', '005_add-order-tag', '--data-dir', path.join(work, 'not-applied'), ...args]);
    expect(pending.exitCode).toBe(2);
    expect(pending.stderr).toMatch(/005_add-order-tag: it is not applied/);
    await expect(stat(path.join(work, 'not-applied'))).rejects.toThrow();
    const adapter = await openAdapter(await resolveConfig({ migrations: migrationsArgs[1]!, databaseUrl: url }, { env: {} }));
    expect(await adapter.up()).toEqual(['005_add-order-tag', '006_tag-orders']);
    await adapter.close();
    await archiveCurrentSegment(url);

    const dataDir = path.join(work, 'applied-at');
    const restore = await cli(['restore', '--before-migration', '006_tag-orders', '--data-dir', dataDir, '--port', String(await freePort()), '--json', ...args]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const report = restore.json<RestoreDoc>();
    expect(report.beforeMigration.kind).toBe('applied-at');
    expect(report.beforeMigration.sharedWith).toEqual(['005_add-order-tag']);
    expect(report.beforeMigration.warnings.join('\n')).toMatch(/no restore point is recorded before 006_tag-orders .*approximate.*run_on without a time zone/s);
    expect(report.beforeMigration.warnings.join('\n')).toMatch(/005_add-order-tag share that applied-at timestamp/);
    expect(restore.stderr).toMatch(/warning: no restore point is recorded before 006_tag-orders/);
    try {
      // Both migrations of that run are gone; everything committed before it is there.
      expect(await contents(copyUrl(report).replace(/\/[^/]*$/, `/${database}`))).toEqual(before);
    } finally {
      await stopCopy(dataDir);
    }
  });

  it.each([
    [['--before-migration', '999_no-such'], 2, /knows no migration of that name/],
    [['--before-migration', BAD], 2, /needs --data-dir DIR .* or --backup auto/],
  ])('restore %j is bad input: exit 2, nothing written', async (flags, code, message) => {
    const project = projects.get('sql')!;
    const dataDir = path.join(work, 'never-written');
    const run = await cli(['restore', ...flags, ...(flags.includes('999_no-such') ? ['--data-dir', dataDir] : []), ...project.args]);
    expect(run.exitCode).toBe(code);
    expect(run.stderr).toMatch(message);
    await expect(stat(dataDir)).rejects.toThrow();
  });
});
