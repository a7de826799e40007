/**
 * `drill --seed` tries the seed after each up until one fits, rolling back
 * the attempts that fail. A rolled-back INSERT still advances the sequences it
 * drew from (PostgreSQL never gives sequence values back), so a seed that
 * names the rows it inserted by their ids (`account_id = 1`), as seed files
 * usually do, must find those ids where a single load would have put them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../harness/cli.js';
import { dirWith, removeTempDirs } from '../harness/fixtures.js';

const MIGRATIONS = {
  '001_create-accounts.up.sql': 'CREATE TABLE accounts (id bigserial PRIMARY KEY, name text NOT NULL);\n',
  '001_create-accounts.down.sql': 'DROP TABLE accounts;\n',
  '002_create-tickets.up.sql': 'CREATE TABLE tickets (id bigserial PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id), subject text NOT NULL);\n',
  '002_create-tickets.down.sql': 'DROP TABLE tickets;\n',
};

// Fits after 002 only; the attempt after 001 inserts two accounts (ids 1, 2) before it fails on tickets.
const SEED = `INSERT INTO accounts (name) VALUES ('Acme'), ('Globex');
INSERT INTO tickets (account_id, subject) VALUES (1, 'login fails'), (2, 'invoice wrong');
`;

describe('drill --seed after a failed attempt', () => {
  afterAll(removeTempDirs);

  it('loads a seed that refers to the ids it inserted after the first up it fits, the failed attempts having left the sequences as they were', async () => {
    const project = await dirWith(MIGRATIONS);
    const seedDir = await dirWith({ 'seed.sql': SEED });
    const run = await runBuiltCli(['drill', 'migrations', '--provider', 'local', '--migrations', project, '--migrator', 'sql', '--seed', `${seedDir}/seed.sql`, '--json']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const report = run.json<{ ok: boolean; scenarios: Array<{ steps: Array<{ name: string; status: string; detail: string }> }> }>();
    const seed = report.scenarios[0]!.steps.find((s) => s.name === 'seed seed.sql')!;
    expect(seed).toMatchObject({ status: 'pass', detail: 'loaded after 002_create-tickets' });
  });
});
