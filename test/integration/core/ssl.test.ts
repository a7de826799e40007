/**
 * dbrollback's own connections follow libpq's sslmode meanings, as the
 * pg_dump it runs does: against a cluster with ssl = on, a self-signed
 * certificate made here with openssl (for 127.0.0.1), and a pg_hba.conf that
 * rejects every unencrypted connection. HOME is an empty directory, so no
 * ~/.postgresql/root.crt is found by accident.
 */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { chownToServer, sharedDir } from '../pitr/support.js';

/** A self-signed certificate (its own CA) for `names`, and its key, in `dir`. */
async function selfSigned(dir: string, name: string, san: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert]);
  return { cert, key };
}

describe('SSL like libpq (a cluster with ssl = on and a self-signed certificate)', () => {
  let cluster: Cluster;
  let home: string;
  let server: { cert: string; key: string };
  let other: { cert: string; key: string };
  let storage: string;

  beforeAll(async () => {
    const dir = await sharedDir('dbrollback-ssl-');
    server = await selfSigned(dir, 'server', 'IP:127.0.0.1');
    other = await selfSigned(dir, 'impostor', 'IP:127.0.0.1');
    // PostgreSQL insists its key is private to the server's OS user.
    await chownToServer(server.key);
    await chownToServer(server.cert);
    await chmod(server.key, 0o600);
    await chmod(server.cert, 0o644);
    cluster = await startCluster({ settings: { ssl: "'on'", ssl_cert_file: `'${server.cert}'`, ssl_key_file: `'${server.key}'` } });
    // Only encrypted connections are admitted from now on: whatever connects and works used TLS.
    const hba = path.join(cluster.dataDir, 'pg_hba.conf');
    await writeFile(hba, `hostnossl all all 0.0.0.0/0 reject\n${await readFile(hba, 'utf8')}`);
    await cluster.sql('postgres', 'SELECT pg_reload_conf()');
    home = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-ssl-home-'));
    storage = await sharedDir('dbrollback-ssl-store-');
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const url = (query: string, host = '127.0.0.1') => `${cluster.url('postgres').replace('127.0.0.1', host)}?${query}`;
  const verify = (databaseUrl: string, env: Record<string, string> = {}) => runBuiltCli(['verify', '--database-url', databaseUrl, '--json'], { env: { HOME: home, ...env } });

  it('sslmode=require connects encrypted without verifying, and prints no node-postgres warning block', async () => {
    const run = await verify(url('sslmode=require'));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/SECURITY WARNING|DeprecationWarning|Warning:/);
  });

  it('sslmode=verify-full without a CA certificate is refused before connecting (exit 2, nothing done)', async () => {
    const run = await verify(url('sslmode=verify-full'));
    expect(run.exitCode).toBe(2);
    const error = run.json<{ error: { code: string; message: string; hint: string } }>().error;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`root certificate file "${path.join(home, '.postgresql', 'root.crt')}" does not exist`);
    expect(error.hint).toMatch(/^Nothing was done\. Give the CA certificate with sslrootcert=FILE/);
  });

  it('sslmode=verify-full with sslrootcert connects; with another CA, or under a name the certificate does not hold, it is refused (exit 2)', async () => {
    const good = await verify(url(`sslmode=verify-full&sslrootcert=${encodeURIComponent(server.cert)}`));
    expect(good.exitCode, good.stderr).toBe(0);
    // The same from libpq's variables.
    const fromEnv = await verify(cluster.url('postgres'), { PGSSLMODE: 'verify-full', PGSSLROOTCERT: server.cert });
    expect(fromEnv.exitCode, fromEnv.stderr).toBe(0);

    const impostor = await verify(url(`sslmode=verify-full&sslrootcert=${encodeURIComponent(other.cert)}`));
    expect(impostor.exitCode).toBe(2);
    expect(impostor.json<{ error: { code: string } }>().error.code).toBe('SSL_VERIFY_FAILED');
    // verify-ca checks the chain only; verify-full also the host name (the certificate is for 127.0.0.1, not localhost).
    expect((await verify(url(`sslmode=verify-ca&sslrootcert=${encodeURIComponent(server.cert)}`, 'localhost'))).exitCode).toBe(0);
    const wrongName = await verify(url(`sslmode=verify-full&sslrootcert=${encodeURIComponent(server.cert)}`, 'localhost'));
    expect(wrongName.exitCode).toBe(2);
    expect(wrongName.json<{ error: { code: string; message: string } }>().error.message).toMatch(/did not pass sslmode=verify-full verification: .*localhost/);
  });

  it('allow falls back to TLS when the server refuses an unencrypted connection; disable does not (exit 1)', async () => {
    expect((await verify(url('sslmode=allow'))).exitCode).toBe(0);
    const disabled = await verify(url('sslmode=disable'));
    expect(disabled.exitCode).toBe(1);
    expect(disabled.stderr).toMatch(/pg_hba\.conf rejects connection .* no encryption/);
  });

  it('pg_dump in the same run gets the same settings: a backup over verify-full, with the CA only in the URL', async () => {
    const run = await runBuiltCli(['backup', '--storage', storage, '--database-url', url(`sslmode=verify-full&sslrootcert=${encodeURIComponent(server.cert)}`), '--json'], { env: { HOME: home } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ backup: { verified: boolean } }>().backup.verified).toBe(true);
    expect(run.stderr).not.toMatch(/SECURITY WARNING/);
  });

  it('an sslmode libpq does not know is bad input (exit 2)', async () => {
    const run = await verify(url('sslmode=required'));
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/sslmode "required", which is not one of disable, allow, prefer, require, verify-ca, verify-full/);
  });
});
