/**
 * What child processes receive, seen from inside them (the built CLI, a real
 * cluster with password auth): traffic hooks get no credential at all; pg
 * tools get their connection and a minimal environment, nothing else of ours.
 */
import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary } from '../../src/pgtools/binaries.js';
import { runBuiltCli } from '../harness/cli.js';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { shopAt } from '../integration/undo/support.js';

const ENCRYPTION_KEY = 'c0ffee'.repeat(10) + 'c0ff';

function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

describe('child process environments (built CLI)', () => {
  let cluster: Cluster;
  let work: string;
  beforeAll(async () => {
    cluster = await startCluster();
    work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-childenv-'));
  });
  afterAll(async () => cluster?.stop());

  it('pause and resume hooks see no password: no PGPASSWORD, DATABASE_URL without it, no encryption key, no variable holding it', async () => {
    const p = await shopAt(cluster, 'sql', 2);
    const url = cluster.url(p.database);
    expect(url).toContain(encodeURIComponent(cluster.password));
    const pauseFile = path.join(work, 'pause.env');
    const resumeFile = path.join(work, 'resume.env');
    const r = await runBuiltCli(['undo', '--count', '1', '--yes', '--storage', p.storageDir, '--migrations', p.flags.migrations!, '--pause-traffic', `env > '${pauseFile}'`, '--resume-traffic', `env > '${resumeFile}'`], {
      env: {
        DATABASE_URL: url,
        PGPASSWORD: cluster.password,
        COPY_OF_DB_PASSWORD: `prefix-${cluster.password}`,
        DBROLLBACK_ENCRYPTION_KEY: ENCRYPTION_KEY,
        HOOK_VISIBLE: 'yes',
      },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const file of [pauseFile, resumeFile]) {
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain(cluster.password);
      expect(text).not.toContain(encodeURIComponent(cluster.password));
      expect(text).not.toContain(ENCRYPTION_KEY);
      const env = parseEnv(text);
      expect(env.has('PGPASSWORD')).toBe(false);
      expect(env.has('COPY_OF_DB_PASSWORD')).toBe(false);
      expect(env.has('DBROLLBACK_ENCRYPTION_KEY')).toBe(false);
      // What a hook does get: the database without credentials, the run's facts, and the rest of the environment.
      expect(env.get('DATABASE_URL')).toBe(url.replace(`:${encodeURIComponent(cluster.password)}@`, '@'));
      expect(env.get('DBROLLBACK_DATABASE')).toMatch(new RegExp(`@127\\.0\\.0\\.1:${cluster.port}/${p.database}$`));
      expect(env.get('HOOK_VISIBLE')).toBe('yes');
      expect(env.get('PATH')).toBeTruthy();
    }
    expect(parseEnv(await readFile(pauseFile, 'utf8')).get('DBROLLBACK_HOOK')).toBe('pause-traffic');
    expect(parseEnv(await readFile(resumeFile, 'utf8')).get('DBROLLBACK_BACKUP_ID')).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });

  it('pg_dump gets its connection (password through PGPASSWORD only) and a minimal environment', async () => {
    const p = await shopAt(cluster, 'sql', 0);
    const real = path.dirname((await findBinary('pg_dump')).path);
    const bin = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-envbin-'));
    const envLog = path.join(bin, 'pg_dump.env');
    for (const name of await readdir(real)) {
      const shim = path.join(bin, name);
      await writeFile(shim, name === 'pg_dump' ? `#!/bin/sh\nenv > '${envLog}'\nexec '${path.join(real, name)}' "$@"\n` : `#!/bin/sh\nexec '${path.join(real, name)}' "$@"\n`);
      await chmod(shim, 0o755);
    }
    const r = await runBuiltCli(['backup', '--storage', p.storageDir], {
      env: { DATABASE_URL: cluster.url(p.database), DBROLLBACK_PG_BINDIR: bin, DBROLLBACK_ENCRYPTION_KEY: ENCRYPTION_KEY, APP_SECRET_TOKEN: 'not-for-pg-dump', LANG: 'C.UTF-8', TZ: 'UTC' },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const env = parseEnv(await readFile(envLog, 'utf8'));
    expect(env.get('PGPASSWORD')).toBe(cluster.password);
    expect(env.get('PGDATABASE')).toBe(p.database);
    expect(env.get('PGPORT')).toBe(String(cluster.port));
    expect(env.get('LANG')).toBe('C.UTF-8');
    expect(env.get('TZ')).toBe('UTC');
    expect(env.get('PATH')).toBeTruthy();
    for (const name of ['DATABASE_URL', 'DBROLLBACK_ENCRYPTION_KEY', 'APP_SECRET_TOKEN', 'DBROLLBACK_PG_BINDIR', 'DBROLLBACK_STORAGE']) expect(env.has(name), name).toBe(false);
  });
});
