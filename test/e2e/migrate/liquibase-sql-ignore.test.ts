/**
 * migrate --fail-on on a root changelog the real Liquibase runs (YAML with
 * includeAll, in a Spring Boot layout) whose changesets are partly
 * formatted SQL files: those are judged from their own text, so a
 * `-- dbrollback-ignore <rule>` written above a statement there counts (as
 * the refusal's hint says) and the offence names the file's line — not the
 * SQL Liquibase prints for them, which has lost the comment.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { dirWith, removeTempDirs } from '../../harness/fixtures.js';

const CHANGES = 'src/main/resources/db/changelog/changes';
const sqlChangeset = (id: string, body: string, rollback: string) => `--liquibase formatted sql\n\n--changeset ops:${id}\n${body}\n--rollback ${rollback}\n`;

interface Refusal {
  error: { code: string; message: string; hint: string; details: { offences: Array<{ migration: string; path: string; line: number; rule: string; changeSet?: unknown }> } };
}

describe('migrate --fail-on with formatted SQL changesets the real Liquibase runs', () => {
  let cluster: Cluster;
  let project: string;
  let args: string[];

  beforeAll(async () => {
    cluster = await startCluster();
    project = await dirWith({
      'src/main/resources/db/changelog/db.changelog-master.yaml': 'databaseChangeLog:\n  - includeAll:\n      path: db/changelog/changes/\n',
      [`${CHANGES}/001-init.sql`]: sqlChangeset('001-init', 'CREATE TABLE t (id int PRIMARY KEY, a text, b text);', 'DROP TABLE t;'),
      [`${CHANGES}/002-c.yaml`]: 'databaseChangeLog:\n  - changeSet:\n      id: 002-c\n      author: ops\n      changes:\n        - addColumn: { tableName: t, columns: [{ column: { name: c, type: text } }] }\n',
      // A planned contract step, marked as such above its statement.
      [`${CHANGES}/003-drop-a.sql`]: sqlChangeset('003-drop-a', '-- dbrollback-ignore drop-column\nALTER TABLE t DROP COLUMN a;', 'ALTER TABLE t ADD COLUMN a text;'),
      [`${CHANGES}/004-drop-b.sql`]: sqlChangeset('004-drop-b', '--comment: b goes too\nALTER TABLE t DROP COLUMN b;', 'ALTER TABLE t ADD COLUMN b text;'),
    });
    const { database } = await cluster.createDatabase();
    args = ['--migrations', path.join(project, 'src/main/resources/db/changelog'), '--database-url', cluster.url(database), '--storage', path.join(project, 'storage'), '--backup', 'never', '--json'];
  });
  afterAll(async () => {
    await cluster?.stop();
    await removeTempDirs();
  });

  it('a dbrollback-ignore above the statement in the .sql file is honoured, and the offence left names that file\'s line (was: both refused, named by "the SQL Liquibase generates")', async () => {
    const env = { PATH: `${path.join(PROJECT_ROOT, 'node_modules', 'liquibase', 'dist', 'liquibase')}${path.delimiter}${process.env.PATH ?? ''}`, DBROLLBACK_CACHE_DIR: path.join(project, '.cache') };
    const refused = await runBuiltCli(['migrate', '--fail-on', 'destructive', ...args], { env, timeoutMs: 280_000 });
    expect(refused.exitCode, refused.stderr).toBe(4);
    const { error } = refused.json<Refusal>();
    expect(error.code).toBe('CLASSIFY_FAIL_ON');
    const file = path.join(project, CHANGES, '004-drop-b.sql');
    expect(error.details.offences.map((o) => [o.migration, o.rule, o.path, o.line])).toEqual([['004-drop-b', 'drop-column', file, 5]]);
    expect(error.message).toContain(`004-drop-b (${file}:5): ALTER TABLE t DROP COLUMN b`);
    expect(error.hint).toContain('add `-- dbrollback-ignore <rule-id>` above the statement');

    // classify, the CI linter, on the root changelog: the same (was: the ignore lost, the contract step refused too).
    const classify = await runBuiltCli(['classify', '--fail-on', 'destructive', '--json', path.join(project, 'src/main/resources/db/changelog/db.changelog-master.yaml')], { env, timeoutMs: 280_000 });
    expect(classify.exitCode, classify.stderr).toBe(4);
    const statements = classify.json<{ files: Array<{ statements: Array<{ sql: string; findings: Array<{ rule: string }>; suppressed: Array<{ rule: string }> }> }> }>().files[0]!.statements;
    const dropOf = (column: string) => statements.find((s) => s.sql.includes(`DROP COLUMN ${column}`))!;
    expect(dropOf('a').findings.map((f) => f.rule)).toEqual([]);
    expect(dropOf('a').suppressed.map((f) => f.rule)).toEqual(['drop-column']);
    expect(dropOf('b').findings.map((f) => f.rule)).toEqual(['drop-column']);
  }, 600_000);
});
