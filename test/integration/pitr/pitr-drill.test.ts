/**
 * The pitr drill through the built CLI: a primary archiving through
 * wal-push, a base backup, later writes — `drill pitr` recovers the newest
 * archived moment (and a chosen time) into a throwaway data directory,
 * proves it usable, reports the time, and leaves no trace in the storage's
 * audit trail (a rehearsal reads the storage only).
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptBuiltCli } from '../../harness/cli.js';
import { dockerGate } from '../drill/support.js';
import { installedMajor, type Cluster } from '../../harness/cluster.js';
import { archiveCurrentSegment, archivingCluster, baseBackup, cli, markTarget, query, sharedDir } from './support.js';

const gate = await dockerGate();

interface StagingFacts {
  walRestored: number;
  walFromSpool: number;
  walStagingProblem: string | null;
}

/** The drill's recovery took (at least three quarters of) its WAL from the staging spool, as restore does. */
function expectStaged(facts: StagingFacts, detail: string): void {
  expect(facts.walStagingProblem).toBeNull();
  expect(facts.walRestored).toBeGreaterThanOrEqual(8);
  expect(facts.walFromSpool).toBeGreaterThanOrEqual(Math.ceil(facts.walRestored * 0.75));
  expect(detail).toContain(`${facts.walFromSpool} of ${facts.walRestored} WAL segments restored from the staging spool`);
}

describe('drill pitr (built CLI)', () => {
  let primary: Cluster;
  let storageDir: string;
  let storageUrl: string;
  let target: string;

  beforeAll(async () => {
    storageDir = await sharedDir('dbrollback-pitr-drill-');
    storageUrl = pathToFileURL(storageDir).href;
    primary = await archivingCluster(storageUrl);
    const url = primary.url('postgres');
    await query(url, 'CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL); INSERT INTO ledger (amount) SELECT i FROM generate_series(1, 200) i');
    await baseBackup(storageUrl, url);
    // Several segments of WAL to replay, so the drill's staging has a run of segments to stage ahead.
    for (let i = 0; i < 8; i++) await query(url, 'INSERT INTO ledger (amount) SELECT i FROM generate_series(1, 100) i; SELECT pg_switch_wal()');
    target = (await markTarget(url, 'drill-target')).time;
    await query(url, 'INSERT INTO ledger (amount) SELECT i FROM generate_series(1, 50) i');
    await archiveCurrentSegment(url);
  });
  afterAll(async () => primary?.stop());

  it.each([
    ['the newest archived moment', [] as string[]],
    ['a chosen point in time', ['--point-in-time', '']],
  ])('recovers %s into a throwaway instance, verifies it, reports the RTO; no audit record is written', async (_what, extra) => {
    const args = extra.length ? ['--point-in-time', target] : [];
    const audits = async () => readdir(path.join(storageDir, 'audit')).catch(() => []);
    const before = await audits();
    const run = await cli(['drill', 'pitr', '--provider', 'local', '--storage', storageUrl, '--database-url', primary.url('postgres'), ...args, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<{ ok: boolean; scenarios: Array<{ name: string; status: string; detail: string; facts: { tables: number; rtoMs: number; walSegments: number } & StagingFacts }> }>();
    expect(report.ok).toBe(true);
    const pitr = report.scenarios.find((s) => s.name === 'pitr')!;
    expect(pitr.status).toBe('pass');
    expect(pitr.facts.tables).toBe(1);
    expectStaged(pitr.facts, pitr.detail);
    expect(pitr.facts.rtoMs).toBeGreaterThan(0);
    expect(pitr.facts.walSegments).toBeGreaterThan(0);
    // The base backup's record only: a rehearsal writes none of its own.
    expect(await audits()).toEqual(before);
  });

  it.runIf(gate.run || gate.mustRun)('--provider testcontainers recovers inside a container of the drill image: the chosen point in time, every table readable, no local server started', async () => {
    const run = await cli(['drill', 'pitr', '--provider', 'testcontainers', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--point-in-time', target, '--json'], { TESTCONTAINERS_RYUK_DISABLED: 'true' });
    expect(run.exitCode, run.stderr).toBe(0);
    const report = run.json<{ ok: boolean; provider: string; scenarios: Array<{ name: string; status: string; detail: string; facts: { tables: number; walSegments: number; recoveredIn: string } & StagingFacts }> }>();
    expect(report.provider).toBe('testcontainers');
    const pitr = report.scenarios.find((s) => s.name === 'pitr')!;
    expect(pitr.status, pitr.detail).toBe('pass');
    expect(pitr.facts.tables).toBe(1);
    // The container's server has no dbrollback inside: every segment it restored came from the spool the run staged ahead.
    expectStaged(pitr.facts, pitr.detail);
    expect(pitr.facts.walFromSpool).toBeGreaterThanOrEqual(8);
    expect(run.stderr).toMatch(/staging WAL from [0-9A-F]{24} ahead of replay/);
    expect(pitr.detail).toMatch(/in a postgres:\d+ container, 1 tables readable/);
    expect(run.stderr).toMatch(/starting postgres:\d+ on the recovered data directory/);
    // Recovered by the image's server, not this machine's: no pg_ctl start of a local copy.
    expect(run.stderr).not.toMatch(/pg_ctl start/);
  });

  it.runIf(gate.run || gate.mustRun)('--provider testcontainers with an image of another major: refused before anything is downloaded, naming the --image to pass', async () => {
    const { execa } = await import('execa');
    // The same image under another major's tag: only the tag is read before the container would start.
    const major = await installedMajor();
    await execa('docker', ['tag', `postgres:${major}`, 'postgres:99']);
    try {
      const run = await cli(['drill', 'pitr', '--provider', 'testcontainers', '--image', 'postgres:99', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--json'], { TESTCONTAINERS_RYUK_DISABLED: 'true' });
      expect(run.exitCode, run.stderr).toBe(1);
      const pitr = run.json<{ scenarios: Array<{ name: string; status: string; detail: string }> }>().scenarios.find((s) => s.name === 'pitr')!;
      expect(pitr.status).toBe('error');
      expect(pitr.detail).toContain(`is of PostgreSQL ${major}; a postgres:99 container cannot recover it — Pass --image postgres:${major}`);
    } finally {
      await execa('docker', ['rmi', 'postgres:99']).catch(() => undefined);
    }
  });

  it.runIf(gate.run || gate.mustRun)('--provider testcontainers with a database URL that gives no password (production on trust or peer): refused before anything is downloaded, saying why and naming --provider local', async () => {
    const noPassword = new URL(primary.url('postgres'));
    noPassword.password = '';
    const run = await cli(['drill', 'pitr', '--provider', 'testcontainers', '--storage', storageUrl, '--database-url', noPassword.href, '--json'], { TESTCONTAINERS_RYUK_DISABLED: 'true', PGPASSWORD: '', PGPASSFILE: '/nonexistent' });
    expect(run.exitCode, run.stderr).toBe(1);
    const pitr = run.json<{ scenarios: Array<{ name: string; status: string; detail: string }> }>().scenarios.find((s) => s.name === 'pitr')!;
    expect(pitr.status).toBe('error');
    expect(pitr.detail).toContain('gives no password for postgres');
    expect(pitr.detail).toContain('--provider local');
    expect(run.stderr).not.toMatch(/starting postgres:\d+ on the recovered data directory/);
  });

  it.runIf(gate.run || gate.mustRun)('--provider auto (the default) with a Docker engine, against a production on trust (its URL gives no password): the copy is recovered with the local programs instead, entered as its pg_hba.conf allows; the step and the report say so', async () => {
    // A production whose pg_hba.conf trusts loopback connections: the base backup carries that file into the copy.
    const trustingDir = await sharedDir('dbrollback-pitr-drill-trust-');
    const trustingUrl = pathToFileURL(trustingDir).href;
    const trusting = await archivingCluster(trustingUrl);
    try {
      await writeFile(path.join(trusting.dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nhost replication all 127.0.0.1/32 trust\nhost replication all ::1/128 trust\n');
      await query(trusting.url('postgres'), 'SELECT pg_reload_conf()');
      const noPassword = new URL(trusting.url('postgres'));
      noPassword.password = '';
      await query(noPassword.href, 'CREATE TABLE ledger (id serial PRIMARY KEY, amount int NOT NULL); INSERT INTO ledger (amount) SELECT i FROM generate_series(1, 20) i');
      await baseBackup(trustingUrl, noPassword.href);
      await query(noPassword.href, 'INSERT INTO ledger (amount) VALUES (21)');
      await archiveCurrentSegment(noPassword.href);
      const run = await cli(['drill', 'pitr', '--storage', trustingUrl, '--database-url', noPassword.href, '--json'], { TESTCONTAINERS_RYUK_DISABLED: 'true', PGPASSWORD: '', PGPASSFILE: '/nonexistent' });
      expect(run.exitCode, run.stderr).toBe(0);
      const report = run.json<{ ok: boolean; provider: string; scenarios: Array<{ name: string; status: string; detail: string; facts: { tables: number; recoveredIn: string } }> }>();
      expect(report.provider).toBe('testcontainers');
      const pitr = report.scenarios.find((s) => s.name === 'pitr')!;
      expect(pitr.status, pitr.detail).toBe('pass');
      expect(pitr.facts.tables).toBe(1);
      expect(pitr.facts.recoveredIn).toBe('a local cluster');
      expect(pitr.detail).toContain('in a local cluster, 1 tables readable');
      expect(run.stderr).toContain("the database URL gives no password for postgres, with which a copy in a container would be entered: recovering it with this machine's PostgreSQL programs instead (--provider auto)");
      expect(run.stderr).not.toMatch(/starting postgres:\d+ on the recovered data directory/);
    } finally {
      await trusting.stop();
    }
  });

  it('SIGINT during the recovery: exit 130, the recovered copy stopped and removed with the throwaway server, nothing left running', async () => {
    // The drill's temporary directories land here: whatever it leaves behind shows up.
    const tmp = await sharedDir('dbrollback-pitr-drill-tmp-');
    const run = await interruptBuiltCli(['drill', 'pitr', '--provider', 'local', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--json'], 'restore:pitr-recover', 'SIGINT', { env: { TMPDIR: tmp } });
    expect(run.paused, run.stderr).toBe(true);
    expect(run.exitCode, run.stderr).toBe(130);
    const doc = run.json<{ ok: boolean; error: { code: string; message: string } }>();
    expect(doc.error.code).toBe('INTERRUPTED');
    expect(doc.error.message).toMatch(/stopped by SIGINT during step "recover" .*; every throwaway server it started was stopped and removed/);
    // wal-fetch's prefetch may still be finishing into the removed copy's spool for a moment.
    await expect.poll(() => readdir(tmp), { timeout: 5_000 }).toEqual([]);
  });

  it('Ctrl-C twice while the recovered copy runs: it exits at once (130), and the copy is still stopped and removed on the way out', async () => {
    const tmp = await sharedDir('dbrollback-pitr-drill-tmp-');
    // Paused with the recovered copy running, where no signal ends the pause: the second Ctrl-C's exit is what removes it.
    const run = await interruptBuiltCli(['drill', 'pitr', '--provider', 'local', '--storage', storageUrl, '--database-url', primary.url('postgres'), '--json'], 'drill:pitr-stop', ['SIGINT', 'SIGINT'], { env: { TMPDIR: tmp } });
    expect(run.paused, run.stderr).toBe(true);
    expect(run.exitCode, run.stderr).toBe(130);
    // No report: the second Ctrl-C does not wait for one.
    expect(run.stdout).toBe('');
    await expect.poll(() => readdir(tmp), { timeout: 5_000 }).toEqual([]);
  });
});
