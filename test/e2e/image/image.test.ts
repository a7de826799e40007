/**
 * The image scripts/build-image.sh builds, run with Docker as a user would
 * run it: what it holds (Node, PostgreSQL's programs, the non-root user, the
 * entrypoint), `--version`, `status` against a test cluster, and SIGTERM
 * reaching dbrollback (Kubernetes stops a pod with it). migrate, verify,
 * base-backup and drill --provider local run inside it in
 * test/e2e/kubernetes/jobs.test.ts, as the manifests run them.
 */
import { execa } from 'execa';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { IMAGE, imageGate, PACKAGE_VERSION } from '../../harness/image.js';

const gate = await imageGate();
const SHOP = path.join(PROJECT_ROOT, 'migrations-fixtures', 'sql', 'shop');

const docker = (args: string[], env: Record<string, string> = {}) => execa('docker', args, { reject: false, timeout: 300_000, env: { ...process.env, ...env } });

describe.skipIf(!gate.run && !gate.mustRun)('the dbrollback image', { timeout: 300_000 }, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    if (!gate.run) throw new Error(`the image tests must run in CI: ${gate.why}`);
    cluster = await startCluster();
  });
  afterAll(async () => cluster?.stop());

  it('runs dbrollback as its entrypoint behind tini, as the non-root uid 10001, and says its version with --version and -V', async () => {
    const { stdout } = await docker(['image', 'inspect', '--format', '{{json .Config}}', IMAGE]);
    const config = JSON.parse(stdout) as { User: string; Entrypoint: string[]; Cmd: string[]; Labels: Record<string, string> };
    expect(config.User).toBe('10001:10001');
    expect(config.Entrypoint).toEqual(['/usr/bin/tini', '--', 'dbrollback']);
    expect(config.Cmd).toEqual(['--help']);
    expect(config.Labels['org.opencontainers.image.version']).toBe(PACKAGE_VERSION);
    for (const flag of ['--version', '-V']) {
      const r = await docker(['run', '--rm', IMAGE, flag]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe(PACKAGE_VERSION);
    }
  });

  it("holds Node >= 20.11 and PostgreSQL's client and server programs of its major, all runnable by its user", async () => {
    const { stdout: labels } = await docker(['image', 'inspect', '--format', '{{ index .Config.Labels "dbrollback.pg-major" }}', IMAGE]);
    const major = Number(labels.trim());
    const r = await docker(['run', '--rm', '--entrypoint', 'sh', IMAGE, '-c', 'id -un; node --version; for p in pg_dump pg_restore pg_basebackup initdb pg_ctl postgres; do $p --version; done']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [user, node, ...pg] = r.stdout.split('\n');
    expect(user).toBe('dbrollback');
    const [maj, min] = node!.replace(/^v/, '').split('.').map(Number);
    expect(maj! > 20 || (maj === 20 && min! >= 11), node).toBe(true);
    expect(pg).toHaveLength(6);
    for (const line of pg) expect(line).toMatch(new RegExp(`\\(PostgreSQL\\) ${major}\\.\\d+`));
  });

  it('status against a test cluster: applied and pending migrations, exit 0; the password only in the environment', async () => {
    const db = await cluster.createDatabase();
    const r = await docker(
      ['run', '--rm', '--network', 'host', '--read-only', '--tmpfs', '/tmp', '-e', 'DATABASE_URL', '--mount', `type=bind,source=${SHOP},target=/app/migrations,readonly`, IMAGE, 'status', '--migrations', '/app/migrations'],
      { DATABASE_URL: cluster.url(db.database) },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/0 applied, 7 pending/);
  });

  it('SIGTERM (docker stop, a pod being deleted) reaches dbrollback: it ends at once with 143, not at the stop timeout', async () => {
    // A server that accepts connections and never answers: status waits on it (for up to 10 s).
    const sockets: net.Socket[] = [];
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    const blackhole = net.createServer((s) => {
      sockets.push(s);
      connected();
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as net.AddressInfo).port;
    const name = `dbrollback-sigterm-${process.pid}`;
    try {
      const started = await docker(['run', '-d', '--name', name, '--network', 'host', '--mount', `type=bind,source=${SHOP},target=/app/migrations,readonly`, IMAGE, 'status', '--migrations', '/app/migrations', '--database-url', `postgres://nobody@127.0.0.1:${port}/db`]);
      expect(started.exitCode, started.stderr).toBe(0);
      // Until dbrollback is connecting (a container that ends first fails the test with its log).
      const first = await Promise.race([reached.then(() => 'connecting' as const), docker(['wait', name]).then(() => 'ended' as const)]);
      if (first === 'ended') throw new Error(`the container ended before connecting: ${(await docker(['logs', name])).stderr}`);
      const t0 = Date.now();
      await docker(['stop', '--time', '60', name]);
      const elapsed = Date.now() - t0;
      const { stdout } = await docker(['inspect', '--format', '{{.State.ExitCode}}', name]);
      expect(Number(stdout.trim())).toBe(143);
      expect(elapsed).toBeLessThan(30_000);
    } finally {
      await docker(['rm', '-f', name]);
      for (const s of sockets) s.destroy();
      blackhole.close();
    }
  });
});
