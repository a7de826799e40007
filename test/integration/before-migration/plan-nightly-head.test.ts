/**
 * `plan` suggests a nightly backup whose manifest records the head only as
 * its tool's version (golang-migrate, dbmate: `migrationHeadVersion`, no head
 * name), matched exactly as `restore --before-migration X --backup auto`
 * matches it (migrate/backup-at-head.ts). Neither tool records when a
 * migration was applied, so without that match plan would suggest nothing.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, suggested } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { FIXTURES } from '../tools/support.js';

const DBMATE = path.join(FIXTURES, 'dbmate', 'shop', 'db', 'migrations');

const TOOLS = [
  {
    kind: 'golang-migrate',
    projectArgs: ['--config', path.join(FIXTURES, 'golang-migrate', 'shop', 'dbrollback.config.json')],
    // 007 has no down: rolling it back is a restore, to head 006.
    versions: { 5: '5', 6: '6' },
  },
  {
    kind: 'dbmate',
    projectArgs: ['--migrations', DBMATE],
    // 20261206095548_collapse-order-statuses is irreversible.
    versions: { 5: '20261206095544', 6: '20261206095546' },
  },
] as const;

describe.each(TOOLS)('$kind: plan with nightly backups that record only a version', (tool) => {
  let cluster: Cluster;
  let storage: string;
  let url: string;
  const nightly: Record<5 | 6, string> = { 5: '', 6: '' };
  const flags = () => [...tool.projectArgs, '--database-url', url, '--storage', storage];
  const run = (...args: string[]) => runBuiltCli([...args, ...flags(), '--json']);

  beforeAll(async () => {
    cluster = await startCluster({ settings: { wal_level: 'replica' } });
    url = cluster.url((await cluster.createDatabase()).database);
    storage = await mkdtemp(path.join(os.tmpdir(), `dbrollback-plan-nightly-${tool.kind}-`));
    // The nightly job: a database and a storage, nothing else, from a directory with no project.
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-plan-nightly-cwd-'));
    for (const [count, head] of [[5, 5], [1, 6]] as const) {
      const up = await run('migrate', '--count', String(count), '--backup', 'never');
      expect(up.exitCode, up.stderr).toBe(0);
      const made = await runBuiltCli(['backup', '--database-url', url, '--storage', storage, '--label', 'nightly', '--json'], { cwd });
      expect(made.exitCode, made.stderr).toBe(0);
      nightly[head] = made.json<{ backup: { id: string } }>().backup.id;
    }
    const last = await run('migrate', '--count', '1', '--backup', 'never');
    expect(last.exitCode, last.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('the nightly manifests record the version, not a head name', async () => {
    for (const head of [5, 6] as const) {
      const manifest = JSON.parse(await readFile(path.join(storage, 'backups', nightly[head], 'manifest.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest).toMatchObject({ migrationHead: null, migrator: null, migrationHeadVersion: { migrator: tool.kind, version: tool.versions[head] } });
    }
  });

  it('plan suggests the nightly taken at the target head (the version of the migration before the one undone)', async () => {
    const plan = await run('plan', '--count', '1');
    expect(plan.exitCode, plan.stderr).toBe(0);
    const doc = plan.json<{ type: string; restoreFrom: { backupId: string } | null; recommendation: string; steps: Array<{ action: string; detail: string }> }>();
    expect(doc.type).toBe('restore');
    expect(doc.restoreFrom?.backupId).toBe(nightly[6]);
    expect(doc.steps.filter((s) => s.action === 'restore').map((s) => s.detail).join('\n')).toContain(`${suggested(flags())} restore --backup ${nightly[6]}`);
  });

  it('restore --before-migration with --backup auto picks the same backup plan suggests', async () => {
    const plan = (await run('plan', '--count', '1')).json<{ restoreFrom: { backupId: string } | null; migrations: Array<{ name: string }> }>();
    const target = (await cluster.createDatabase()).database;
    const restore = await run('restore', '--before-migration', plan.migrations[0]!.name, '--backup', 'auto', '--target-database', cluster.url(target), '--yes');
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(restore.json<{ backupId: string }>().backupId).toBe(plan.restoreFrom!.backupId);
  });
});
