/**
 * The WAL archive of an encrypted storage, as PostgreSQL drives it: the
 * server's archive_command and the restore_command a point-in-time restore
 * writes both reach the key — through the server's environment
 * (DBROLLBACK_ENCRYPTION_KEY, DBROLLBACK_ENCRYPTION_PASSPHRASE) or a key file
 * named on the command line (--encryption-key-file) — and no archived object
 * holds a byte of the database in the clear.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { filesUnder } from '../backup/support.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Cluster } from '../../harness/cluster.js';
import { archiveCurrentSegment, baseBackup, chownToServer, cli, markTarget, osUser, query, sharedDir, shellQuote, stopCopy } from '../pitr/support.js';
import { startCluster } from '../../harness/cluster.js';
import { CLI } from '../../harness/cli.js';
import { BAD, contents, projectWithBadMigration } from '../before-migration/support.js';
import { FIXTURES } from '../undo/support.js';

type Mode = 'variable' | 'key file' | 'passphrase';

/** Files under `dir`, recursively, as absolute paths. */
const filesIn = async (dir: string) => (await filesUnder(dir)).map((f) => path.join(dir, f));

/** archive_command of the built CLI, with `extra` flags; % doubled and quoted for postgresql.conf. */
function archiveCommand(storage: string, extra: string[] = []): string {
  const word = (arg: string) => shellQuote(arg).replace(/%/g, '%%');
  return [word(process.execPath), word(CLI), 'wal-push', '%p', '--storage', word(storage), ...extra.map(word)].join(' ');
}
const confQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;

describe.each<Mode>(['variable', 'key file', 'passphrase'])('encrypted WAL archive, key given as a %s', (mode) => {
  let primary: Cluster;
  let storageDir: string;
  let storage: string;
  let work: string;
  /** What the CLI is run with to read the storage (the same key). */
  let env: Record<string, string>;
  let keyHex: string | undefined;
  let passphrase: string | undefined;
  let keyFile: string | undefined;
  const marker = `plaintext-marker-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    storageDir = await sharedDir('dbrollback-encwal-store-');
    storage = pathToFileURL(storageDir).href;
    work = await sharedDir('dbrollback-encwal-work-');
    let serverEnv: Record<string, string> = {};
    const extra: string[] = [];
    if (mode === 'variable') {
      keyHex = randomBytes(32).toString('hex');
      env = { DBROLLBACK_ENCRYPTION_KEY: keyHex };
      serverEnv = env;
    } else if (mode === 'passphrase') {
      passphrase = `correct horse ${randomBytes(4).toString('hex')} battery`;
      env = { DBROLLBACK_ENCRYPTION_PASSPHRASE: passphrase };
      serverEnv = env;
    } else {
      keyHex = randomBytes(32).toString('hex');
      keyFile = path.join(work, 'storage.key');
      await writeFile(keyFile, `${keyHex}\n`, { mode: 0o600 });
      // The server (the postgres OS user when tests run as root) reads it, as it would in production.
      if (osUser) await chownToServer(keyFile);
      env = { DBROLLBACK_ENCRYPTION_KEY_FILE: keyFile };
      extra.push('--encryption-key-file', keyFile);
    }
    primary = await startCluster({
      env: serverEnv,
      settings: { wal_level: "'replica'", archive_mode: "'on'", archive_command: confQuote(archiveCommand(storage, extra)), max_wal_senders: 4, wal_keep_size: "'512MB'" },
    });
    const url = primary.url('postgres');
    await query(url, `CREATE TABLE secrets (id serial PRIMARY KEY, note text NOT NULL); INSERT INTO secrets (note) SELECT '${marker} ' || i FROM generate_series(1, 200) i`);
    // The archiver writes first (the storage's key-check object is then the server's OS user's, as in production).
    await archiveCurrentSegment(url);
    await baseBackup(storage, url, env);
  });

  afterAll(async () => {
    await primary?.stop();
  });

  it('archive_command stores every segment encrypted: no object holds the rows, as stored or gunzipped, and wal-fetch gives back the exact bytes', async () => {
    const name = await archiveCurrentSegment(primary.url('postgres'));
    const objects = (await filesIn(path.join(storageDir, 'wal'))).filter((f) => f.endsWith('.gz'));
    expect(objects.length).toBeGreaterThan(1);
    for (const file of [...objects, ...(await filesIn(path.join(storageDir, 'backups')))]) {
      const bytes = await readFile(file);
      expect(bytes.includes(marker), file).toBe(false);
      // Not a gzip stream at all: the gzip member is inside the encryption.
      expect(bytes.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b])), file).toBe(false);
      let unzipped: Buffer | null = null;
      try {
        unzipped = gunzipSync(bytes);
      } catch {
        unzipped = null;
      }
      expect(unzipped?.includes(marker) ?? false, file).toBe(false);
    }
    // The segment is in pg_wal still (wal_keep_size): the fetched copy must equal it byte for byte.
    const dest = path.join(work, 'fetched', name);
    const fetched = await cli(['wal-fetch', name, dest, '--storage', storage, '--prefetch', '0'], env);
    expect(fetched.exitCode, fetched.stderr).toBe(0);
    const original = await readFile(path.join(primary.dataDir, 'pg_wal', name));
    expect((await readFile(dest)).equals(original)).toBe(true);
    // Without the key, wal-fetch refuses (126: recovery must stop, not end).
    const keyless = await cli(['wal-fetch', name, path.join(work, 'keyless', name), '--storage', storage, '--prefetch', '0']);
    expect(keyless.exitCode).toBe(126);
    expect(keyless.stderr).toMatch(/is encrypted, but no encryption key is configured/);
  });

  it('restore --point-in-time fetches the WAL with the key and recovers exactly; the key is never written into postgresql.auto.conf', async () => {
    const url = primary.url('postgres');
    await query(url, `INSERT INTO secrets (note) SELECT '${marker} later ' || i FROM generate_series(1, 50) i`);
    const good = await query<{ n: string; s: string }>(url, "SELECT count(*) AS n, string_agg(note, ',' ORDER BY id) AS s FROM secrets");
    const marks = await markTarget(url, 'before-damage');
    await query(url, 'DELETE FROM secrets WHERE id % 2 = 0');
    await archiveCurrentSegment(url);
    const dataDir = path.join(work, 'pitr');
    const port = await freePort();
    const run = await cli(['restore', '--storage', storage, '--database-url', url, '--point-in-time', marks.time, '--data-dir', dataDir, '--port', String(port), '--json'], env);
    expect(run.exitCode, run.stderr).toBe(0);
    try {
      const copy = url.replace(`:${primary.port}/`, `:${port}/`);
      expect(await query(copy, "SELECT count(*) AS n, string_agg(note, ',' ORDER BY id) AS s FROM secrets")).toEqual(good);
      const auto = await readFile(path.join(dataDir, 'postgresql.auto.conf'), 'utf8');
      const restoreCommand = auto.split('\n').filter((l) => l.startsWith('restore_command')).at(-1)!;
      expect(restoreCommand).toContain('wal-fetch %f %p --storage');
      if (keyFile) expect(restoreCommand).toContain(`--encryption-key-file ${keyFile}`);
      else expect(restoreCommand).not.toContain('--encryption-key-file');
      for (const secret of [keyHex, passphrase]) if (secret) expect(auto).not.toContain(secret);
      const steps = run.json<{ steps: Array<{ name: string; detail: string }> }>().steps;
      expect(steps.find((s) => s.name === 'configure')!.detail).toContain(keyFile ? `key file ${keyFile}` : "key in the server's environment");
    } finally {
      await stopCopy(dataDir);
    }
  });

  if (mode === 'key file') {
    it('a segment pushed without the key is refused (exit ≠ 0), the reason is in the server log, and nothing is stored in the clear', async () => {
      const url = primary.url('postgres');
      const before = new Set(await filesIn(path.join(storageDir, 'wal')));
      await query(url, `ALTER SYSTEM SET archive_command = ${confQuote(archiveCommand(storage))}`);
      await query(url, 'SELECT pg_reload_conf()');
      try {
        const [{ failed }] = (await query<{ failed: string }>(url, 'SELECT failed_count::text AS failed FROM pg_stat_archiver')) as [{ failed: string }];
        await query(url, "INSERT INTO secrets (note) VALUES ('keyless'); SELECT pg_switch_wal()");
        const deadline = Date.now() + 30_000;
        for (;;) {
          const [row] = await query<{ failed: string }>(url, 'SELECT failed_count::text AS failed FROM pg_stat_archiver');
          if (Number(row!.failed) > Number(failed)) break;
          if (Date.now() > deadline) throw new Error('the keyless archive_command never failed');
          await new Promise((r) => setTimeout(r, 200));
        }
        const log = await readFile(path.join(primary.baseDir, 'server.log'), 'utf8');
        expect(log).toMatch(/error: storage file:\/\/.* is encrypted \(it holds "dbrollback-encryption-key-check"\), but no encryption key is configured/);
        expect(log).toMatch(/archive command failed with exit code 2/);
        expect(new Set(await filesIn(path.join(storageDir, 'wal')))).toEqual(before);
      } finally {
        // Back to the harness's command (RESET would drop it from postgresql.auto.conf, leaving none).
        await query(url, `ALTER SYSTEM SET archive_command = ${confQuote(archiveCommand(storage, ['--encryption-key-file', keyFile!]))}`);
        await query(url, 'SELECT pg_reload_conf()');
      }
      // With the key back, the archiver catches up.
      await archiveCurrentSegment(url);
    });
  }
});

describe('encrypted storage: restore --before-migration --tables recovers the damaged table exactly (key file)', () => {
  let primary: Cluster;
  let storage: string;
  let env: Record<string, string>;
  let args: string[];
  let database: string;

  beforeAll(async () => {
    storage = pathToFileURL(await sharedDir('dbrollback-encwal-tables-')).href;
    const work = await sharedDir('dbrollback-encwal-tables-work-');
    const keyFile = path.join(work, 'storage.key');
    await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    if (osUser) await chownToServer(keyFile);
    env = { DBROLLBACK_ENCRYPTION_KEY_FILE: keyFile };
    primary = await startCluster({
      settings: { wal_level: "'replica'", archive_mode: "'on'", archive_command: confQuote(archiveCommand(storage, ['--encryption-key-file', keyFile])), max_wal_senders: 4 },
    });
    database = (await primary.createDatabase()).database;
    args = [...(await projectWithBadMigration('sql')), '--database-url', primary.url(database), '--storage', storage];
    await archiveCurrentSegment(primary.url('postgres'));
    const first = await cli(['migrate', '--count', '3', '--backup', 'never', ...args], env);
    expect(first.exitCode, first.stderr).toBe(0);
    await primary.sql(database, await readFile(path.join(FIXTURES, 'seed.sql'), 'utf8'));
    await archiveCurrentSegment(primary.url('postgres'));
    await baseBackup(storage, primary.url('postgres'), env);
  });

  afterAll(async () => {
    await primary?.stop();
  });

  it('migrate marks the point before the bad migration in the encrypted archive; --tables brings orders back as they were', async () => {
    const url = primary.url(database);
    const before = (await contents(url))['public.orders'];
    const run = await cli(['migrate', '--json', ...args], env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ recovery: { via: string } }>().recovery.via).toBe('wal-archive');
    await archiveCurrentSegment(url);
    const restore = await cli(['restore', '--before-migration', BAD, '--tables', 'public.orders', '--into-database', url, '--json', ...args], env);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const doc = restore.json<{ schema: string; tables: Array<{ matches: boolean }> }>();
    expect(doc.tables.every((t) => t.matches)).toBe(true);
    const recovered = await query<{ r: string }>(url, `SELECT t::text AS r FROM ${doc.schema}.orders t ORDER BY 1`);
    expect(recovered.map((r) => r.r)).toEqual(before);
  });
});
