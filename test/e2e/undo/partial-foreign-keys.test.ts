/**
 * A partial backup of a table that points at tables outside the backup
 * (tasks → users, tasks → projects): the scratch database it is loaded into
 * holds the other tables' schema but not their rows, so those keys are made
 * NOT VALID there. Side by side the recovered table comes back (its keys to
 * other tables left out, as listed); with --replace the keys come with it
 * and are validated against the live rows before the swap — a recovered row
 * pointing at a user deleted since is refused and the live table is left as
 * it was. Found on a real-shaped history: every partial restore of such a
 * table failed in pg_restore.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

const MIGRATIONS = {
  '001_tasks.up.sql': `CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE projects (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tasks (id int PRIMARY KEY, project_id int NOT NULL REFERENCES projects (id) ON DELETE CASCADE, assignee_id int REFERENCES users (id) ON DELETE SET NULL, title text NOT NULL);
CREATE TABLE task_labels (task_id int NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, label text NOT NULL);
`,
  '001_tasks.down.sql': 'DROP TABLE task_labels, tasks, projects, users;\n',
  '002_tasks-estimate.up.sql': 'ALTER TABLE tasks ADD COLUMN estimate_hours int;\n',
  '002_tasks-estimate.down.sql': 'ALTER TABLE tasks DROP COLUMN estimate_hours;\n',
};

describe('a partial backup of a table with foreign keys to tables it does not hold', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('restores side by side, and in place with its keys validated against the live rows; a row pointing at a deleted user refuses the swap', async () => {
    const project = await dirWith(MIGRATIONS);
    const { database } = await cluster.createDatabase();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-partial-fk-'));
    const args = ['--migrations', project, '--migrator', 'sql', '--database-url', cluster.url(database), '--storage', storage];
    expect((await runBuiltCli(['migrate', '--backup', 'never', ...args])).exitCode).toBe(0);
    await cluster.sql(database, `INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 20) g;
      INSERT INTO projects SELECT g, 'p' || g FROM generate_series(1, 5) g;
      INSERT INTO tasks SELECT g, 1 + g % 5, 1 + g % 20, 'task ' || g, g % 8 FROM generate_series(1, 200) g;
      INSERT INTO task_labels SELECT g, 'l' FROM generate_series(1, 200) g`);
    const estimates = async (table: string) => (await cluster.sql<{ s: string }>(database, `SELECT string_agg(id || ':' || estimate_hours || ':' || coalesce(assignee_id, 0), ',' ORDER BY id) AS s FROM ${table}`))[0]!.s;
    const before = await estimates('public.tasks');

    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', '--accept-data-loss', '--backup', 'tables', '--json', ...args]);
    expect(undo.exitCode, undo.stderr).toBe(0);
    const id = undo.json<{ backupId: string }>().backupId;

    const side = await runBuiltCli(['restore', '--backup', id, '--json', ...args]);
    expect(side.exitCode, side.stderr).toBe(0);
    const sideReport = side.json<{ schema: string; droppedKeys: string[]; tables: Array<{ matches: boolean }> }>();
    expect(sideReport.tables.every((t) => t.matches)).toBe(true);
    expect(sideReport.droppedKeys.sort()).toEqual(['tasks.tasks_assignee_id_fkey', 'tasks.tasks_project_id_fkey']);
    expect(await estimates(`"${sideReport.schema}".tasks`)).toBe(before);

    // A user deleted since: the live tasks' assignee is set null, the backup's rows still point at it.
    await cluster.sql(database, 'DELETE FROM users WHERE id = 3');
    const refused = await runBuiltCli(['restore', '--backup', id, '--replace', '--yes', ...args]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(/refusing to replace: recovered rows of \S+tasks point at rows the live tables no longer hold \(tasks_assignee_id_fkey: Key \(assignee_id\)=\(3\) is not present in table "users"\.\)/);
    expect(refused.stderr).toMatch(/The live tables were not touched; the recovered tables are in schema dbrollback_recovered_\w+ of the target database/);
    expect(await cluster.sql(database, "SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'tasks' AND column_name = 'estimate_hours'")).toHaveLength(0);

    // With the user back, the swap goes through: the keys are there and valid, task_labels' key made again.
    await cluster.sql(database, "INSERT INTO users VALUES (3, 'u3@example.com')");
    const replace = await runBuiltCli(['restore', '--backup', id, '--replace', '--yes', '--json', ...args]);
    expect(replace.exitCode, replace.stderr).toBe(0);
    expect(replace.json<{ replaced: boolean; recreatedKeys: string[] }>().recreatedKeys.join(',')).toMatch(/task_labels/);
    expect(await estimates('public.tasks')).toBe(before);
    const keys = await cluster.sql<{ conname: string; convalidated: boolean; target: string }>(database, "SELECT conname, convalidated, confrelid::regclass::text AS target FROM pg_constraint WHERE conrelid = 'public.tasks'::regclass AND contype = 'f' ORDER BY 1");
    expect(keys).toEqual([
      { conname: 'tasks_assignee_id_fkey', convalidated: true, target: 'users' },
      { conname: 'tasks_project_id_fkey', convalidated: true, target: 'projects' },
    ]);
  }, 240_000);
});
