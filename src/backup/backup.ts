/**
 * `dbrollback backup`: a logical backup that is known good before anyone relies on it.
 *
 * The dump streams from pg_dump straight into storage (hashed on the way,
 * never held whole in memory or on local disk); the row counts and
 * fingerprints come from the same snapshot; the stored object is read back
 * and its sha256 checked; and only then is the manifest written — the last
 * object, whose presence is what makes a backup usable.
 */
import type { ConnInfo } from '../db/conninfo.js';
import { DbrollbackError, isDbrollbackError } from '../errors.js';
import { findBinary } from '../pgtools/binaries.js';
import { fingerprint } from '../fingerprint/fingerprint.js';
import { dumpKey, manifestKey, newBackupId } from './layout.js';
import type { BackupManifest } from './manifest.js';
import { startDump } from './pg-dump.js';
import { transferMeter, type ProgressListener } from '../progress.js';
import { tableSizes, watchCopies } from './copy-progress.js';
import { openSnapshot } from './snapshot.js';
import type { Storage } from '../storage/contract.js';
import { digestOf } from '../storage/digest.js';
import type { HeadLookup } from '../verify/check.js';

/** What a backup reads from and writes to (a RunContext is one). */
export interface BackupSource {
  readonly conn: ConnInfo;
  readonly storage: Storage;
  /** The migration head to record, read through the run's adapter. */
  headLookup(): Promise<HeadLookup>;
}

export interface BackupOptions {
  label?: string;
  /** Read the stored dump back and check its sha256 (default true; false is recorded as verified: false). */
  readback?: boolean;
  onProgress?: ProgressListener;
  /** One line per step, for logs. */
  onStep?: (line: string) => void;
}

export interface BackupResult {
  manifest: BackupManifest;
  /** The storage URL (no secrets). */
  storage: string;
  manifestKey: string;
}

export async function backup(source: BackupSource, options: BackupOptions = {}): Promise<BackupResult> {
  const started = Date.now();
  const step = options.onStep ?? (() => undefined);
  const { storage, conn } = source;
  // Storage first: a wrong URL, missing credentials or an absent bucket fail before the database is touched.
  await storage.check();
  // The head comes from the migration tool itself (its history table), not from guessing.
  const lookup = await source.headLookup();
  const head = lookup.configured ? lookup.head : null;
  const migrator = lookup.configured ? lookup.migrator : null;

  const snapshot = await openSnapshot(conn);
  const pgDump = await findBinary('pg_dump', { minMajor: snapshot.serverVersion.major }).catch(async (err) => {
    await snapshot.close();
    throw err;
  });
  const id = newBackupId(new Date(started));
  const key = dumpKey(id);
  step(`backup ${id}: pg_dump ${pgDump.version} of "${snapshot.database}" → ${storage.url}`);

  // Dump, upload and fingerprints run at once, all in the exported snapshot.
  // Progress is table data pg_dump has read against the tables' sizes (what the server reports),
  // and the bytes stored so far, whose total nobody knows before the end.
  const appName = `dbrollback-dump-${id}`;
  const watch = options.onProgress ? watchCopies({ conn, applicationName: appName, phase: 'dump', unit: 'bytes', tables: await tableSizes(snapshot.db), listener: options.onProgress }) : null;
  const meter = transferMeter('upload', null, options.onProgress);
  const dump = startDump(pgDump, { ...conn, applicationName: appName }, snapshot.id);
  const upload = storage.put(key, dump.stream, {
    expectedSize: snapshot.databaseBytes,
    onProgress: (bytes) => meter.update(bytes),
  });
  // A failed upload must stop pg_dump (it would block on a full pipe forever).
  upload.catch(() => dump.kill());
  const tables = fingerprint(snapshot.db);
  const [uploaded, dumped, fingerprinted] = await Promise.allSettled([upload, dump.exited, tables]);
  await watch?.stop();
  await snapshot.close();

  if (uploaded.status === 'rejected' || dumped.status === 'rejected' || fingerprinted.status === 'rejected') {
    if (uploaded.status === 'fulfilled') await storage.delete(key).catch(() => undefined);
    throw backupFailed(id, storage.url, firstCause(dumped, uploaded, fingerprinted));
  }
  const stored = uploaded.value;
  meter.finish(stored.size);

  // Read back what the storage holds: the backup is good only if these bytes hash the same.
  let verified = false;
  if (options.readback !== false) {
    step(`backup ${id}: reading the dump back to check its sha256`);
    const readMeter = transferMeter('readback', stored.size, options.onProgress);
    const stream = await storage.get(key);
    let read = 0;
    stream.on('data', (chunk: Buffer) => readMeter.update((read += chunk.length)));
    const back = await digestOf(stream).catch((cause: unknown) => {
      throw backupFailed(id, storage.url, cause);
    });
    readMeter.finish(back.size);
    if (back.sha256 !== stored.sha256 || back.size !== stored.size) {
      throw new DbrollbackError('CHECKSUM_MISMATCH', `backup ${id}: the stored dump does not match what was uploaded (sha256 ${back.sha256.slice(0, 12)}…, ${back.size} bytes; expected ${stored.sha256.slice(0, 12)}…, ${stored.size} bytes); no manifest was written, so it will never be used`, {
        hint: 'The storage corrupted or truncated the object. Check the storage server, then take a new backup.',
        details: { id, key, expected: stored.sha256, actual: back.sha256 },
      });
    }
    verified = true;
  }

  const manifest: BackupManifest = {
    version: 1,
    id,
    kind: 'logical',
    createdAt: new Date(started).toISOString(),
    label: options.label ?? null,
    database: snapshot.database,
    serverVersion: snapshot.serverVersion.text,
    pgDumpVersion: pgDump.version,
    migrationHead: head,
    migrator,
    sizeBytes: stored.size,
    sha256: stored.sha256,
    verified,
    objects: [key],
    tables: fingerprinted.value,
    tablesInDumpSnapshot: true,
    locale: snapshot.locale,
    durationMs: Date.now() - started,
  };
  // Last: from this write on, the backup exists.
  const mKey = manifestKey(id);
  await storage.put(mKey, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' }).catch(async (cause: unknown) => {
    // Without its manifest the dump is never used; do not leave it to pile up.
    await storage.delete(key).catch(() => undefined);
    throw backupFailed(id, storage.url, cause, 'writing the manifest');
  });
  step(`backup ${id}: done (${stored.size} bytes, sha256 ${stored.sha256.slice(0, 12)}…, ${verified ? 'read back and checked' : 'NOT read back'})`);
  return { manifest, storage: storage.url, manifestKey: mKey };
}

function firstCause(...results: PromiseSettledResult<unknown>[]): unknown {
  // pg_dump's own error explains more than the broken pipe it causes downstream, unless storage failed first.
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  const storageFailure = rejected.find((e) => isDbrollbackError(e) && e.code.startsWith('STORAGE_'));
  return storageFailure ?? rejected[0];
}

function backupFailed(id: string, storageUrl: string, cause: unknown, what = 'the dump upload'): DbrollbackError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = isDbrollbackError(cause) ? cause.code : undefined;
  return new DbrollbackError('BACKUP_FAILED', `backup ${id} failed during ${what}: ${reason}. No manifest was written: this backup is incomplete and will never be used.`, {
    hint: isDbrollbackError(cause) && cause.hint ? cause.hint : `Check the database and the storage (${storageUrl}), then run the backup again.`,
    cause,
    details: { id, ...(code ? { cause: code } : {}) },
  });
}
