/**
 * `dbrollback archive-command` prints the archive_command users are given —
 * the marker form: wal-push pushes ready segments ahead, the shell answers the
 * server's calls for them from their markers. A real cluster archives with
 * exactly the printed line under a bulk load: every segment lands in the
 * archive and fetches back exact, the markers are made and used up, a segment
 * whose name the archive already holds with other content is refused, and an
 * encrypted storage works with the key named by its file, never written out.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot, startCluster, type Cluster } from '../../harness/cluster.js';
import { CLI, runBuiltCli } from '../../harness/cli.js';
import { PUSHED_DIR } from '../../../src/backup/wal/wal-push-ahead.js';
import { parseWalName, walKey } from '../../../src/backup/wal/layout.js';
import { walPush } from '../../../src/backup/wal/wal-push.js';
import { parseKey } from '../../../src/storage/encryption-key.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import { fileArchive, switchWal, waitArchived } from './support.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Printed {
  archiveCommand: string;
  setting: string;
  environment: string[];
}

/** The printed postgresql.conf line, split as the harness writes settings (`name = value`). */
function settingOf(line: string): Record<string, string> {
  const m = /^archive_command = ('.*')$/s.exec(line.trim());
  if (!m) throw new Error(`not an archive_command line: ${line}`);
  return { archive_command: m[1]! };
}

async function archivingWith(line: string, extra: Record<string, string> = {}): Promise<Cluster> {
  return startCluster({ settings: { wal_level: 'replica', archive_mode: 'on', full_page_writes: 'on', ...settingOf(line), ...extra } });
}

describe('dbrollback archive-command: the archive_command users are given', () => {
  const clusters: Cluster[] = [];
  afterAll(async () => {
    for (const c of clusters) await c.stop();
  });

  it('prints the marker form naming this node and CLI; a cluster archiving with that exact line stores every segment of a bulk load, using up its markers', async () => {
    const target = await fileArchive();
    const printed = await runBuiltCli(['archive-command', '--storage', target.url]);
    expect(printed.exitCode, printed.stderr).toBe(0);
    const line = printed.stdout.trim();
    expect(line).toMatch(/^archive_command = '/);
    expect(line).toContain(`${process.execPath} ${CLI} wal-push %p --storage file://`);
    expect(line).toContain(`pg_wal/${PUSHED_DIR}/%f`);
    // The same command as data.
    const json = (await runBuiltCli(['archive-command', '--storage', target.url, '--json'])).json<Printed & { ok: boolean }>();
    expect(json.setting).toBe(line);
    expect(json.environment).toEqual([]);

    const cluster = await archivingWith(line, { wal_keep_size: "'2GB'", max_wal_size: "'2GB'" });
    clusters.push(cluster);
    const walDir = path.join(cluster.dataDir, 'pg_wal');
    const markers = path.join(walDir, PUSHED_DIR);
    // Markers come and go while the server archives: sample them.
    let markersSeen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        markersSeen = Math.max(markersSeen, (await readdir(markers).catch(() => [])).filter((n) => /^[0-9A-F]{24}$/.test(n)).length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const conn = cluster.conn('postgres');
    const env = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: 'postgres' };
    const first = (await cluster.sql<{ first: string }>('postgres', 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS first'))[0]!.first;
    await execa('pgbench', ['-i', '-s', '10', '-q'], { env });
    const last = (await cluster.sql<{ last: string }>('postgres', 'SELECT pg_walfile_name(pg_switch_wal()) AS last'))[0]!.last;
    await waitArchived(target.storage, last, 180_000);
    // The server's own account: every file archived, none failed.
    for (let i = 0; ; i++) {
      const [s] = await cluster.sql<{ done: boolean }>('postgres', `SELECT coalesce(last_archived_wal >= '${last}', false) AS done FROM pg_stat_archiver`);
      if (s!.done) break;
      if (i > 600) throw new Error(`the server did not report ${last} archived`);
      await new Promise((r) => setTimeout(r, 100));
    }
    sampling = false;
    await sampler;
    const [archiver] = await cluster.sql<{ failed: string }>('postgres', 'SELECT failed_count::text AS failed FROM pg_stat_archiver');
    expect(archiver!.failed).toBe('0');
    const segments = (await readdir(walDir)).filter((n) => /^[0-9A-F]{24}$/.test(n) && n >= first && n <= last).sort();
    expect(segments.length).toBeGreaterThanOrEqual(8);
    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-archive-command-'));
    for (const name of segments) {
      const out = path.join(work, name);
      const fetched = await runBuiltCli(['wal-fetch', name, out, '--storage', target.url, '--prefetch', '0']);
      expect(fetched.exitCode, fetched.stderr).toBe(0);
      expect(sha(await readFile(out))).toBe(sha(await readFile(path.join(walDir, name))));
    }
    // wal-push pushed ahead and left markers; the server's calls used every one of them up.
    expect(markersSeen).toBeGreaterThan(0);
    expect((await readdir(markers)).filter((n) => /^[0-9A-F]{24}$/.test(n))).toEqual([]);

    // A segment whose name the archive already holds with other bytes (another cluster's) is refused, and the object kept:
    // a name a few segments ahead, planted before the server gets there.
    const current = (await cluster.sql<{ name: string }>('postgres', 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS name'))[0]!.name;
    const next = `${current.slice(0, 16)}${(parseInt(current.slice(16), 16) + 3).toString(16).toUpperCase().padStart(8, '0')}`;
    const planted = path.join(work, 'planted', next);
    await execa('mkdir', ['-p', path.dirname(planted)]);
    await writeFile(planted, randomBytes(1024 * 1024));
    await walPush(target.storage, planted);
    // As the other cluster's archiver would have left it: owned by the server's OS user.
    if (isRoot()) await execa('chown', ['-R', 'postgres:', target.url]);
    const key = walKey(parseWalName(next)!);
    const before = await readFile(path.join(target.url, key));
    for (let i = 0; ; i++) {
      const [s] = await cluster.sql<{ failed: string | null }>('postgres', 'SELECT last_failed_wal AS failed FROM pg_stat_archiver');
      if (s!.failed === next) break;
      if (i > 300) throw new Error(`the server never reported ${next} failing`);
      // Close segments until the server reaches the planted name.
      if (i < 6) await switchWal(cluster);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(sha(await readFile(path.join(target.url, key)))).toBe(sha(before));
    expect(await readFile(path.join(cluster.baseDir, 'server.log'), 'utf8')).toContain(`the archive already holds ${next}`);
    expect(await readdir(markers)).not.toContain(next);
  }, 420_000);

  it('with a key file: the command names the file, never the key; the cluster archives into the encrypted storage, no object is plaintext, and each fetches back exact', async () => {
    const target = await fileArchive();
    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-archive-command-key-'));
    const key = randomBytes(32).toString('hex');
    const keyFile = path.join(work, 'storage.key');
    await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
    // The server's OS user reads the key file: its directory must let it through.
    await chmod(work, 0o755);
    if (isRoot()) await chown(keyFile, Number((await execa('id', ['-u', 'postgres'])).stdout), Number((await execa('id', ['-g', 'postgres'])).stdout));

    const printed = await runBuiltCli(['archive-command', '--storage', target.url, '--encryption-key-file', keyFile, '--json']);
    expect(printed.exitCode, printed.stderr).toBe(0);
    const command = printed.json<Printed>();
    expect(command.archiveCommand).toContain(`--encryption-key-file ${keyFile}`);
    expect(command.setting).not.toContain(key);
    expect(command.environment).toEqual([]);

    // The key from the environment instead: the command holds neither it nor its variable's value, and says which variable the server needs.
    const fromEnv = await runBuiltCli(['archive-command', '--storage', target.url, '--json'], { env: { DBROLLBACK_ENCRYPTION_KEY: key } });
    expect(fromEnv.exitCode, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).not.toContain(key);
    expect(fromEnv.json<Printed>().environment).toEqual(['DBROLLBACK_ENCRYPTION_KEY']);
    expect(fromEnv.stderr).toContain('DBROLLBACK_ENCRYPTION_KEY');
    expect(fromEnv.stderr).not.toContain(key);

    const cluster = await archivingWith(command.setting);
    clusters.push(cluster);
    const storage = openStorage(target.url, { encryption: { kind: 'key', key: parseKey(key)!, source: 'test' } });
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      await cluster.sql('postgres', `CREATE TABLE IF NOT EXISTS secret_rows (v text); INSERT INTO secret_rows SELECT 'plaintext-marker-' || g FROM generate_series(1, 20000) g`);
      names.push(await switchWal(cluster));
    }
    for (const name of names) await waitArchived(storage, name, 60_000);
    for (const name of names) {
      const raw = await readFile(path.join(target.url, walKey(parseWalName(name)!)));
      expect(raw.subarray(0, 2).toString('hex')).not.toBe('1f8b');
      expect(raw.includes('plaintext-marker-')).toBe(false);
      const out = path.join(work, name);
      const fetched = await runBuiltCli(['wal-fetch', name, out, '--storage', target.url, '--encryption-key-file', keyFile, '--prefetch', '0']);
      expect(fetched.exitCode, fetched.stderr).toBe(0);
      expect(sha(await readFile(out))).toBe(sha(await readFile(path.join(cluster.dataDir, 'pg_wal', name))));
    }
    const [archiver] = await cluster.sql<{ failed: string }>('postgres', 'SELECT failed_count::text AS failed FROM pg_stat_archiver');
    expect(archiver!.failed).toBe('0');
    await storage.close();
  }, 240_000);

  it('refuses with another archiver: its archive_command is that tool\'s (exit 2, nothing printed on stdout)', async () => {
    const run = await runBuiltCli(['archive-command', '--archiver', 'pgbackrest', '--stanza', 'main']);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('archiver is pgbackrest');
  });
});
