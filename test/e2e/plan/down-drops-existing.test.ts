/**
 * plan agrees with classify about a down that drops more than its up made:
 * the migration is not reversible, and a note names what existed before it.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

describe('plan of a migration whose down drops a column its up did not create', () => {
  let cluster: Cluster;
  let args: string[];
  let project: string;

  beforeAll(async () => {
    cluster = await startCluster();
    const storage = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drops-existing-storage-'));
    project = await dirWith({
      '001_create-agents.up.sql': 'CREATE TABLE agents (id serial PRIMARY KEY, name text NOT NULL, timezone text);\n',
      '001_create-agents.down.sql': 'DROP TABLE agents;\n',
      '002_add-agents-team.up.sql': 'ALTER TABLE agents ADD COLUMN team text;\n',
      // The down also drops timezone, which 001 made: undoing 002 loses every agent's time zone.
      '002_add-agents-team.down.sql': 'ALTER TABLE agents DROP COLUMN team;\nALTER TABLE agents DROP COLUMN timezone;\n',
    });
    const { database } = await cluster.createDatabase();
    args = ['--migrations', project, '--migrator', 'sql', '--database-url', cluster.url(database), '--storage', storage];
    const migrate = await runBuiltCli(['migrate', '--backup', 'never', ...args]);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('is not reversible, with a note naming the column, as classify says', async () => {
    const plan = await runBuiltCli(['plan', '--count', '1', '--json', ...args]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const migration = plan.json<{ migrations: Array<{ name: string; reversible: boolean | null; notes: string[] }> }>().migrations[0]!;
    expect(migration.name).toBe('002_add-agents-team');
    expect(migration.reversible).toBe(false);
    expect(migration.notes.join('\n')).toContain('the down of 002_add-agents-team also drops column public.agents.timezone, which its up did not create');
    const classify = await runBuiltCli(['classify', '--json', path.join(project, '002_add-agents-team.up.sql')]);
    const file = classify.json<{ files: Array<{ reversible: boolean; down: { dropsExisting?: string[] } }> }>().files[0]!;
    expect(file.reversible).toBe(false);
    expect(file.down.dropsExisting).toEqual(['column public.agents.timezone']);
  });
});
