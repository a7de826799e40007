/**
 * The at-risk lines of `plan` and undo's refusal count in words that agree
 * with the number: "1 non-null value", "1 row", "2 rows".
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

describe('plan and undo count what is at risk in agreeing words', () => {
  let cluster: Cluster;
  let args: string[];

  beforeAll(async () => {
    cluster = await startCluster();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-at-risk-storage-'));
    const project = await dirWith({
      '001_create-notes.up.sql': 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);\n',
      '001_create-notes.down.sql': 'DROP TABLE notes;\n',
      '002_add-notes-tag.up.sql': 'ALTER TABLE notes ADD COLUMN tag text;\nCREATE TABLE note_links (id serial PRIMARY KEY, url text);\n',
      '002_add-notes-tag.down.sql': 'DROP TABLE note_links;\nALTER TABLE notes DROP COLUMN tag;\n',
    });
    const { database } = await cluster.createDatabase();
    args = ['--migrations', project, '--migrator', 'sql', '--database-url', cluster.url(database), '--storage', storage];
    const migrate = await runBuiltCli(['migrate', '--backup', 'never', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    await cluster.sql(database, "INSERT INTO notes (body, tag) VALUES ('a', 'x'), ('b', NULL); INSERT INTO note_links (url) VALUES ('https://example.com')");
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('one value, one row: singular in the plan and in the refusal', async () => {
    const plan = await runBuiltCli(['plan', '--count', '1', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('drop-column public.notes.tag — 1 non-null value, ');
    expect(plan.stdout).toContain('drop-table public.note_links — 1 row, ');
    const undo = await runBuiltCli(['undo', '--count', '1', '--yes', ...args]);
    expect(undo.exitCode).toBe(4);
    expect(undo.stderr).toContain('drop-column public.notes.tag (1 value)');
    expect(undo.stderr).toContain('drop-table public.note_links (1 row)');
  });
});
