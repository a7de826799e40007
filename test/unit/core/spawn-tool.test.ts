/**
 * spawnTool: how a backup starts pg_dump without execa. Real processes
 * (/bin/sh standing in for the PostgreSQL program): its output arrives as a
 * stream, its outcome reads through toolError as startTool's does (exit code
 * and the last lines of stderr, or the signal), its environment is the pg
 * tools' minimal one with the credentials from the connection, and a
 * password is never put in its argv.
 */
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { loadExeca } from '../../../src/pgtools/load-execa.js';
import { spawnTool, startTool, toolError } from '../../../src/pgtools/run.js';

const conn: ConnInfo = { host: '127.0.0.1', port: 5999, user: 'app', password: 'spawn-s3cret-pw', database: 'shop', applicationName: 'dbrollback-test', sslmode: undefined };

/** The program's outcome: how exited settled, and toolError's message for a failure. */
async function outcome(exited: Promise<void>, args: string[] = []): Promise<string> {
  try {
    await exited;
    return 'ok';
  } catch (cause) {
    return toolError('/bin/sh', args, cause, conn).message;
  }
}

describe('spawnTool (a program whose stdout is consumed as a stream)', () => {
  it('streams stdout and settles once the program exited with success', async () => {
    const child = spawnTool('/bin/sh', ['-c', 'printf "PGDMP"; printf " whole"']);
    expect(await text(child.stdout)).toBe('PGDMP whole');
    expect(await outcome(child.exited)).toBe('ok');
  });

  it('a failure rejects with the exit code and stderr, as toolError reports them for startTool', async () => {
    const args = ['-c', 'printf partial; echo "pg_dump: error: query failed" >&2; exit 3'];
    const child = spawnTool('/bin/sh', args);
    expect(await text(child.stdout)).toBe('partial');
    expect(await outcome(child.exited, args)).toBe('/bin/sh failed (exit code 3): pg_dump: error: query failed');
    // What startTool (execa) gives for the same program.
    await loadExeca();
    expect(await outcome(startTool('/bin/sh', args, { stdout: 'ignore' }).then(() => undefined), args)).toBe('/bin/sh failed (exit code 3): pg_dump: error: query failed');
  });

  it('kill() ends the program with SIGTERM, and the outcome says so', async () => {
    const child = spawnTool('/bin/sh', ['-c', 'exec sleep 30']);
    const started = Date.now();
    child.kill();
    expect(await outcome(child.exited)).toBe('/bin/sh failed (signal SIGTERM)');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a program that cannot start rejects (not a hang), naming why', async () => {
    const child = spawnTool('/nonexistent/pg_dump', ['--version']);
    expect(await outcome(child.exited)).toMatch(/ENOENT/);
  });

  it('gets the minimal environment with the connection in libpq variables, nothing else of ours', async () => {
    const before = { ...process.env };
    process.env.DBROLLBACK_ENCRYPTION_KEY = 'ab'.repeat(32);
    process.env.DEPLOY_ENV = 'prod';
    try {
      const child = spawnTool('/bin/sh', ['-c', 'env'], { conn });
      const env = Object.fromEntries((await text(child.stdout)).trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      await child.exited;
      expect(env).toMatchObject({ PGHOST: '127.0.0.1', PGPORT: '5999', PGUSER: 'app', PGDATABASE: 'shop', PGAPPNAME: 'dbrollback-test', PGPASSWORD: 'spawn-s3cret-pw' });
      expect(env.DBROLLBACK_ENCRYPTION_KEY).toBeUndefined();
      expect(env.DEPLOY_ENV).toBeUndefined();
    } finally {
      process.env = before;
    }
  });

  it('refuses a password in argv before starting anything', () => {
    expect(() => spawnTool('/bin/sh', ['-c', 'echo spawn-s3cret-pw'], { conn })).toThrow(/refusing to pass a password/);
  });
});
