/**
 * A down that drops a table or column its up did not create destroys data
 * that existed before the migration: the file is not reversible, and the
 * down says which objects (dbmate's `-- migrate:down` block here, a
 * `.down.sql` beside its `.up.sql` there). Objects the up created — in a
 * CREATE TABLE (IF NOT EXISTS), an ADD COLUMN — are the down's to drop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFiles } from '../../../src/classify/classify-files.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

afterEach(removeTempDirs);

describe('classify: a down that drops what its up did not create', () => {
  it('marks the file irreversible and names the pre-existing column (dbmate)', async () => {
    const dir = await dirWith({
      '20250210090000_add_agents_team.sql': '-- migrate:up\nALTER TABLE agents ADD COLUMN team text;\n\n-- migrate:down\nALTER TABLE agents DROP COLUMN team, DROP COLUMN IF EXISTS timezone;\n',
    });
    const [file] = (await classifyFiles([dir])).files;
    expect(file!.reversible).toBe(false);
    expect(file!.down).toMatchObject({ kind: 'yes', dropsExisting: ['column public.agents.timezone'] });
  });

  it('leaves reversible a down that drops only what its up created (tables with IF NOT EXISTS, their columns, added columns)', async () => {
    const dir = await dirWith({
      '001_create.up.sql': 'CREATE TABLE IF NOT EXISTS accounts (id bigserial PRIMARY KEY, domain text);\nALTER TABLE accounts ADD COLUMN note text;\n',
      '001_create.down.sql': 'ALTER TABLE accounts DROP COLUMN note;\nALTER TABLE accounts DROP COLUMN domain;\nDROP TABLE IF EXISTS accounts;\n',
      '002_drop-legacy.up.sql': 'CREATE TABLE legacy (id int);\n',
      '002_drop-legacy.down.sql': 'DROP TABLE legacy, accounts;\n',
    });
    const files = (await classifyFiles([dir], { migrator: 'sql' })).files;
    expect(files.map((f) => [f.reversible, f.down?.dropsExisting ?? []])).toEqual([
      [true, []],
      [false, ['table public.accounts']],
    ]);
  });

  it('marks irreversible a down that drops an index its up did not create (an earlier migration\'s, node-pg-migrate\'s -- Down Migration), naming it; its own indexes, renamed or named, are its to drop', async () => {
    const dir = await dirWith({
      '1714114800000_add-accounts-currency.sql':
        "-- Up Migration\nALTER TABLE accounts ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';\nCREATE INDEX accounts_currency_index ON accounts (currency);\n\n-- Down Migration\nDROP INDEX IF EXISTS accounts_currency_index;\nDROP INDEX IF EXISTS entries_account_id_index;\nALTER TABLE accounts DROP COLUMN currency;\n",
      '1714200000000_rename-index.sql': '-- Up Migration\nALTER INDEX accounts_currency_index RENAME TO accounts_currency_idx;\nCREATE INDEX accounts_name_idx ON accounts (name);\n\n-- Down Migration\nDROP INDEX accounts_name_idx;\nALTER INDEX accounts_currency_idx RENAME TO accounts_currency_index;\n',
      // PostgreSQL names an unnamed index: the down may drop it by that name.
      '1714300000000_unnamed.sql': '-- Up Migration\nCREATE INDEX ON accounts (email);\n\n-- Down Migration\nDROP INDEX accounts_email_idx;\n',
    });
    const files = (await classifyFiles([dir])).files;
    expect(files.map((f) => [f.reversible, f.down?.dropsOtherIndexes ?? []])).toEqual([
      [false, ['index entries_account_id_index']],
      [true, []],
      [true, []],
    ]);
  });
});
