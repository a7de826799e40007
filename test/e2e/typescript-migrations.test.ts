/**
 * node-pg-migrate loads TypeScript migrations through jiti, whose TypeScript
 * transform is found relative to jiti itself. The CLI is a bundle, so this
 * runs it as users do: status, plan and undo over .ts migrations.
 */
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, PROJECT_ROOT } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { dirWith, removeTempDirs } from '../harness/fixtures.js';

const MIGRATIONS = {
  '001_create-notes.ts': `import type { MigrationBuilder } from 'node-pg-migrate';
interface Column { type: string; notNull?: boolean }
const columns: Record<string, Column> = { id: { type: 'serial' }, body: { type: 'text', notNull: true } };
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('notes', { id: { type: 'serial', primaryKey: true }, body: columns.body! });
}
export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('notes');
}
`,
  '002_rename-body.ts': `import type { MigrationBuilder } from 'node-pg-migrate';
enum Names { Old = 'body', New = 'text' }
export const up = (pgm: MigrationBuilder): void => pgm.renameColumn('notes', Names.Old, Names.New);
export const down = (pgm: MigrationBuilder): void => pgm.renameColumn('notes', Names.New, Names.Old);
`,
};

describe('TypeScript node-pg-migrate migrations through the built CLI', () => {
  let cluster: Cluster;
  let url: string;
  let migrations: string;
  let storage: string;

  beforeAll(async () => {
    cluster = await startCluster();
    const { database } = await cluster.createDatabase();
    url = cluster.url(database);
    migrations = await dirWith(MIGRATIONS, 'dbrollback-ts-migrations-');
    storage = await dirWith({}, 'dbrollback-ts-storage-');
    // Applied by node-pg-migrate's own CLI, as the project would.
    await execa(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/node-pg-migrate/bin/node-pg-migrate.js'), 'up', '-m', migrations], {
      env: { ...process.env, DATABASE_URL: url },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  const args = () => ['--database-url', url, '--migrations', migrations, '--migrator', 'node-pg-migrate', '--storage', storage];
  // No transpile cache: the TypeScript transform itself must load and run.
  const env = { JITI_FS_CACHE: 'false' };

  it('status reads them, and undo runs the TypeScript down and verifies', async () => {
    const status = await runBuiltCli(['status', '--json', ...args()], { env });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({ head: '002_rename-body', applied: ['001_create-notes', '002_rename-body'] });

    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--no-backup', '--json', ...args()], { env });
    expect(undo.exitCode, undo.stderr).toBe(0);
    expect(undo.json()).toMatchObject({ ok: true, undone: ['002_rename-body'] });
    const columns = await cluster.sql<{ column_name: string }>(url.split('/').pop()!, "SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY 1");
    expect(columns.map((c) => c.column_name)).toEqual(['body', 'id']);
  });
});
