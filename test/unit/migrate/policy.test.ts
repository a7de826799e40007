/**
 * migrate's --fail-on for migrations without a file of their own (Liquibase's
 * XML/YAML/JSON changesets): judged from the SQL the tool generates, named by
 * changeset; refused when that SQL cannot be had. The adapter is a stand-in
 * (the real Liquibase path is in test/integration/tools/liquibase-changelogs.test.ts);
 * the classification is the real one, on PostgreSQL's parser.
 */
import { describe, expect, it } from 'vitest';
import { DbrollbackError } from '../../../src/errors.js';
import { classifyPending, policyRefusal } from '../../../src/migrate/migrate/policy.js';
import type { ResolvedConfig } from '../../../src/run/config.js';
import type { GeneratedUp, MigrationInfo, MigratorAdapter } from '../../../src/tools/contract.js';
import { liquibaseMissing } from '../../../src/tools/liquibase/program.js';

const pending = (name: string): MigrationInfo => ({ name, path: null, applied: false, appliedAt: null, down: 'inferred' });
const config = {} as ResolvedConfig;
const up = (id: string, sql: string): GeneratedUp => ({ sql, inTransaction: true, changeSet: { id, author: 'shop', filename: `changes/${id}.yaml` }, generatedBy: 'Liquibase' });

function adapter(generatedUps: MigratorAdapter['generatedUps']): Pick<MigratorAdapter, 'kind' | 'generatedUps'> {
  return { kind: 'liquibase', generatedUps };
}

describe('migrate --fail-on: migrations whose SQL the tool generates', () => {
  it('classifies each changeset from its generated SQL and names it (id, author, file) in the refusal', async () => {
    const asked: string[][] = [];
    const result = await classifyPending(config, [pending('002_add-phone'), pending('005_drop-legacy')], ['breaking'], undefined, adapter(async (names) => {
      asked.push([...names]);
      return new Map([
        ['002_add-phone', up('002_add-phone', 'ALTER TABLE customers ADD phone text;')],
        ['005_drop-legacy', up('005_drop-legacy', 'ALTER TABLE customers DROP COLUMN legacy_code;')],
      ]);
    }));
    expect(asked).toEqual([['002_add-phone', '005_drop-legacy']]);
    expect(result.verdicts.map((v) => [v.name, v.compatibility, v.changeSet?.filename])).toEqual([
      ['002_add-phone', 'additive', 'changes/002_add-phone.yaml'],
      ['005_drop-legacy', 'breaking', 'changes/005_drop-legacy.yaml'],
    ]);
    expect(result.offences.map((o) => [o.migration, o.rule, o.path])).toEqual([['005_drop-legacy', 'drop-column', 'changes/005_drop-legacy.yaml']]);
    const refusal = policyRefusal(result.offences, ['breaking']);
    expect(refusal.code).toBe('CLASSIFY_FAIL_ON');
    expect(refusal.message).toContain('005_drop-legacy (changeset 005_drop-legacy by shop in changes/005_drop-legacy.yaml; line 1 of the SQL Liquibase generates for it): ALTER TABLE customers DROP COLUMN legacy_code\n    drop-column:');
  });

  it('fails closed: when the tool cannot generate the SQL (Liquibase not installed, no Java), the run is refused saying what is wrong and what to do', async () => {
    const err = await classifyPending(config, [pending('005_drop-legacy')], ['breaking', 'destructive'], undefined, adapter(async () => {
      throw liquibaseMissing('db.changelog-master.yaml is a Liquibase changelog: only the real Liquibase prints its SQL');
    })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbrollbackError);
    const e = err as DbrollbackError;
    expect(e.code).toBe('CLASSIFY_FAIL_ON');
    expect(e.message).toMatch(/--fail-on breaking,destructive cannot be checked.*005_drop-legacy.*no Liquibase installation was found.*Nothing was applied/s);
    expect(e.hint).toContain('npm install --save-dev liquibase');
    expect(e.hint).toContain('default-jre-headless');
  });

  it('fails closed when the tool generates nothing for a pending changeset', async () => {
    const err = await classifyPending(config, [pending('002_add-phone'), pending('009_ghost')], ['breaking'], undefined, adapter(async () => new Map([['002_add-phone', up('002_add-phone', 'ALTER TABLE customers ADD phone text;')]]))).catch((e: unknown) => e);
    expect((err as DbrollbackError).code).toBe('CLASSIFY_FAIL_ON');
    expect((err as DbrollbackError).message).toContain('cannot be checked for 009_ghost');
  });

  it('without a policy the tool is not asked (no scratch database, no JVM): the verdict says why there is none', async () => {
    let asked = false;
    const result = await classifyPending(config, [pending('005_drop-legacy')], [], undefined, adapter(async () => {
      asked = true;
      return new Map();
    }));
    expect(asked).toBe(false);
    expect(result.verdicts).toEqual([{ name: '005_drop-legacy', path: null, compatibility: null, dataLoss: null, reversible: null, note: 'no migration file to classify' }]);
  });
});

describe('migrate --fail-on: code migrations whose SQL was captured by running them (Knex)', () => {
  it('names the line of the captured SQL, not of the .js file, and does not offer a -- dbrollback-ignore comment the migration has no place for', () => {
    const refusal = policyRefusal(
      [{ migration: '20240210100000_capacity.js', path: '/p/db/migrations/20240210100000_capacity.js', line: 5, sql: 'alter table "classes" alter column "capacity" type smallint', rule: 'narrowing-column-type', message: 'changes classes.capacity to int2', help: 'Expand/contract.', capturedBy: 'knex' }],
      ['breaking'],
    );
    expect(refusal.message).toContain('20240210100000_capacity.js (/p/db/migrations/20240210100000_capacity.js; line 5 of the SQL knex sent for it)');
    // Was: "add `-- dbrollback-ignore <rule-id>` above the statement".
    expect(refusal.hint).toBe(
      'Nothing was applied. Rewrite each migration so it sends the safe alternative its finding gives; if the change is intended (a planned contract step), run without --fail-on: the SQL a code migration sends (knex) has no place for a `-- dbrollback-ignore <rule-id>` comment, which only .sql files take.',
    );
  });
});
