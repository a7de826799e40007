/**
 * `dbrollback classify` through the CLI program (in process): the human
 * table, the --json contract, --fail-on (exit 4), and bad input (exit 2)
 * with a message that says what is wrong.
 */
import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/cli.js';
import { cli } from '../../harness/run-cli.js';

const SQL_SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');

async function run(...argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await cli(argv);
  return { exitCode: code, stdout, stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-classify-'));
  await writeFile(path.join(dir, 'drop.sql'), '-- contract step\nALTER TABLE users DROP COLUMN legacy;\n');
  await writeFile(path.join(dir, 'drop-ignored.sql'), '-- dbrollback-ignore drop-column\nALTER TABLE users DROP COLUMN legacy;\n');
  await writeFile(path.join(dir, 'additive.sql'), 'ALTER TABLE users ADD COLUMN nick text;\n');
  await writeFile(path.join(dir, 'broken.sql'), 'ALTER TABLE users ADD COLUMN nick text;\n\nCREATE TABLE (id int);\n');
  await writeFile(path.join(dir, 'empty.sql'), '-- nothing yet\n\n');
  await writeFile(path.join(dir, 'notes.md'), '# not a migration\n');
  await writeFile(path.join(dir, 'secret.sql'), 'SELECT 1;');
  await chmod(path.join(dir, 'secret.sql'), 0o000);
});

describe('dbrollback classify', () => {
  it('prints one line per statement with its verdicts, line number and rule ids', async () => {
    const r = await run('classify', SQL_SHOP);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/004_rename-order-note\.up\.sql: breaking, data loss none, reversible, lock ACCESS EXCLUSIVE/);
    expect(r.stdout).toMatch(/\n\s+2\s+breaking\s+none\s+ACCESS EXCLUSIVE\s+-\s+rename-column\s+ALTER TABLE orders RENAME COLUMN note TO customer_note/);
    expect(r.stdout).toMatch(/rename-column: renames column orders\.note to customer_note/);
    expect(r.stdout).toMatch(/005_drop-customer-legacy-code\.up\.sql: breaking, data loss destructive, IRREVERSIBLE/);
    expect(r.stdout).toMatch(/classify: 7 file\(s\) — 2 breaking, 1 destructive, 2 rewriting data/);
  });

  it('prints the contract\'s JSON shape with --json', async () => {
    const r = await run('classify', '--json', SQL_SHOP);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: Array<Record<string, unknown> & { statements: Array<Record<string, unknown>> }> };
    expect(doc.files).toHaveLength(7);
    const rename = doc.files[3]!;
    expect(rename).toMatchObject({ path: path.join(SQL_SHOP, '004_rename-order-note.up.sql'), compatibility: 'breaking', dataLoss: 'none', reversible: true });
    expect(rename.statements[0]).toMatchObject({
      sql: 'ALTER TABLE orders RENAME COLUMN note TO customer_note',
      line: 2,
      compatibility: 'breaking',
      dataLoss: 'none',
      lock: 'ACCESS EXCLUSIVE',
      rewritesTable: false,
      findings: [expect.objectContaining({ rule: 'rename-column', message: expect.any(String), help: expect.stringMatching(/expand\/contract/i) })],
    });
    expect(doc.files[6]).toMatchObject({ dataLoss: 'rewrite', reversible: false });
  });

  it('--fail-on breaking exits 4 naming the findings; additive files pass', async () => {
    const failed = await run('classify', '--json', '--fail-on', 'breaking', path.join(dir, 'additive.sql'), path.join(dir, 'drop.sql'));
    expect(failed.exitCode).toBe(4);
    const doc = JSON.parse(failed.stdout) as { ok: boolean; error: { code: string; message: string }; failures: unknown[] };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('CLASSIFY_FAIL_ON');
    expect(doc.failures).toEqual([expect.objectContaining({ path: path.join(dir, 'drop.sql'), line: 2, rule: 'drop-column' })]);

    const passed = await run('classify', '--fail-on', 'breaking,destructive', path.join(dir, 'additive.sql'));
    expect(passed.exitCode).toBe(0);
    expect(passed.stdout).toMatch(/--fail-on breaking,destructive: passed/);
  });

  it('--fail-on destructive ignores findings silenced with -- dbrollback-ignore, but the verdict stays a fact', async () => {
    const r = await run('classify', '--json', '--fail-on', 'destructive', path.join(dir, 'drop-ignored.sql'));
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: Array<{ dataLoss: string; statements: Array<{ findings: unknown[]; suppressed: Array<{ rule: string }> }> }> };
    expect(doc.files[0]!.dataLoss).toBe('destructive');
    expect(doc.files[0]!.statements[0]!.findings).toEqual([]);
    expect(doc.files[0]!.statements[0]!.suppressed).toEqual([expect.objectContaining({ rule: 'drop-column' })]);
  });

  it('reports a syntax error with file, line and the parser\'s message, exit 2', async () => {
    const r = await run('classify', '--json', path.join(dir, 'broken.sql'));
    expect(r.exitCode).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; details: Record<string, unknown> } };
    expect(doc.error.code).toBe('SQL_SYNTAX');
    expect(doc.error.message).toBe(`${path.join(dir, 'broken.sql')}:3:14: SQL syntax error: syntax error at or near "("`);
    expect(doc.error.details).toMatchObject({ line: 3, column: 14, parserMessage: 'syntax error at or near "("' });
  });

  it('refuses a missing path, an unreadable file, a non-migration file, an empty file and an empty directory, exit 2', async () => {
    const missing = await run('classify', path.join(dir, 'nope.sql'));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.sql: no such file or directory/);

    if (process.getuid?.() !== 0) {
      const unreadable = await run('classify', path.join(dir, 'secret.sql'));
      expect(unreadable.exitCode).toBe(2);
      expect(unreadable.stderr).toMatch(/cannot read .*secret\.sql: permission denied/);
    }

    const notMigration = await run('classify', path.join(dir, 'notes.md'));
    expect(notMigration.exitCode).toBe(2);
    expect(notMigration.stderr).toMatch(/notes\.md is not a migration file \(expected \.sql/);

    const empty = await run('classify', '--json', path.join(dir, 'empty.sql'));
    expect(empty.exitCode).toBe(2);
    expect(JSON.parse(empty.stdout).error).toMatchObject({ code: 'NOT_A_MIGRATION', message: expect.stringMatching(/empty\.sql is empty: it holds no SQL statements/) });

    const emptyDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-empty-'));
    const none = await run('classify', emptyDir);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/holds no migration files/);
  });

  it('captures code migrations without a server by starting a throwaway local cluster (node-pg-migrate, and umzug from --config)', async () => {
    const npm = await run('classify', '--json', path.join(PROJECT_ROOT, 'migrations-fixtures', 'node-pg-migrate', 'shop', '005_drop-customer-legacy-code.js'));
    expect(npm.exitCode).toBe(0);
    expect(JSON.parse(npm.stdout).files).toEqual([
      expect.objectContaining({ kind: 'node-pg-migrate', source: 'captured', compatibility: 'breaking', dataLoss: 'destructive', reversible: false }),
    ]);
    expect(npm.stderr).toMatch(/capturing the SQL of 1 node-pg-migrate migration/);

    const umzugDir = path.join(PROJECT_ROOT, 'migrations-fixtures', 'umzug', 'shop');
    const umzug = await run('classify', '--config', path.join(umzugDir, 'dbrollback.config.mjs'), '--fail-on', 'breaking', path.join(umzugDir, 'migrations', '004_rename-order-note.mjs'));
    expect(umzug.exitCode).toBe(4);
    expect(umzug.stdout).toMatch(/004_rename-order-note\.mjs: breaking, data loss none, reversible.*SQL captured from umzug/);
    expect(umzug.stdout).toMatch(/rename-column: renames column orders\.note to customer_note/);
  });

  it('rejects an unknown --fail-on condition as bad usage', async () => {
    const r = await run('classify', '--fail-on', 'scary', path.join(dir, 'additive.sql'));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--fail-on must be breaking and\/or destructive \(got "scary"\)/);
  });
});
