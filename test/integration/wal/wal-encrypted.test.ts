/**
 * archive_command and restore_command with a storage key in the environment
 * (DBROLLBACK_ENCRYPTION_KEY, or DBROLLBACK_ENCRYPTION_KEY_FILE): wal-push and
 * wal-fetch take their short way in (src/cli/archive-entry.ts) and must still
 * encrypt and authenticate, as the full program does — no plaintext WAL in an
 * encrypted storage, and a missing key refused rather than ignored.
 */
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../../harness/cli.js';
import type { Cluster } from '../../harness/cluster.js';
import { parseKey } from '../../../src/storage/encryption-key.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import { parseWalName, walKey } from '../../../src/backup/wal/layout.js';
import { archivingCluster, fileArchive, switchWal, waitArchived, type ArchiveTarget } from './support.js';

const KEY = randomBytes(32).toString('hex');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('WAL archive in an encrypted storage, key from the environment', () => {
  let target: ArchiveTarget;
  let cluster: Cluster;
  let segment: string;
  let work: string;

  beforeAll(async () => {
    target = await fileArchive();
    target.env.DBROLLBACK_ENCRYPTION_KEY = KEY;
    target = { ...target, storage: openStorage(target.url, { encryption: { kind: 'key', key: parseKey(KEY)!, source: 'test' } }) };
    cluster = await archivingCluster(target);
    await cluster.sql('postgres', 'CREATE TABLE t AS SELECT i, md5(i::text) AS v FROM generate_series(1, 5000) i');
    segment = await switchWal(cluster);
    await waitArchived(target.storage, segment);
    work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-walkey-'));
  });
  afterAll(async () => {
    await cluster?.stop();
    await target?.storage.close();
  });

  it('archive_command stores no plaintext: the object is not the gzip of the segment, and reads back only through the key', async () => {
    const raw = await readFile(path.join(target.url, walKey(parseWalName(segment)!)));
    // A plaintext archive object is gzip (1f 8b); an encrypted one starts with its own header.
    expect(raw.subarray(0, 2).toString('hex')).not.toBe('1f8b');
    const dest = path.join(work, 'RECOVERYXLOG');
    const fetched = await runBuiltCli(['wal-fetch', segment, dest, '--prefetch', '0', '--storage', target.url], { env: { DBROLLBACK_ENCRYPTION_KEY: KEY } });
    expect(fetched.exitCode, fetched.stderr).toBe(0);
    expect(sha(await readFile(dest))).toBe(sha(await readFile(path.join(cluster.dataDir, 'pg_wal', segment))));
  });

  it('restore_command with the key in a file (DBROLLBACK_ENCRYPTION_KEY_FILE) restores it; without a key it exits 126 and writes nothing', async () => {
    const keyFile = path.join(work, 'storage.key');
    await writeFile(keyFile, `${KEY}\n`, { mode: 0o600 });
    const dest = path.join(work, 'from-file');
    const withFile = await runBuiltCli(['wal-fetch', segment, dest, '--prefetch', '0', '--storage', target.url], { env: { DBROLLBACK_ENCRYPTION_KEY_FILE: keyFile } });
    expect(withFile.exitCode, withFile.stderr).toBe(0);

    const blind = path.join(work, 'blind');
    const noKey = await runBuiltCli(['wal-fetch', segment, blind, '--prefetch', '0', '--storage', target.url]);
    expect(noKey.exitCode).toBe(126);
    expect(noKey.stderr).toMatch(/encrypted/);
    await expect(readFile(blind)).rejects.toThrow();
  });

  it('wal-push with a key the storage was not written with is refused (exit 2) and stores nothing', async () => {
    const name = '000000010000000000000063';
    const file = path.join(work, name);
    await writeFile(file, randomBytes(1024));
    const wrong = await runBuiltCli(['wal-push', file, '--storage', target.url], { env: { DBROLLBACK_ENCRYPTION_KEY: randomBytes(32).toString('hex') } });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/key/i);
    expect(await target.storage.stat(walKey(parseWalName(name)!))).toBeFalsy();
  });
});
