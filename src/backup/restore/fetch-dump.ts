/**
 * Bring a backup's dump out of storage with its sha256 checked on the way:
 * either to a private temp file (parallel pg_restore needs a seekable file,
 * and the checksum is then known good before the database is touched), or as
 * a stream straight into pg_restore.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DbrollbackError } from '../../errors.js';
import type { BackupManifest } from '../manifest.js';
import { transferMeter, type ProgressListener } from '../../progress.js';
import type { Storage } from '../../storage/contract.js';
import { DigestStream, digestOf } from '../../storage/digest.js';

export function checksumError(manifest: BackupManifest, actual: { sha256: string; size: number }, cause?: unknown): DbrollbackError {
  return new DbrollbackError('CHECKSUM_MISMATCH', `backup ${manifest.id}: the stored dump is damaged (got ${actual.size} bytes with sha256 ${actual.sha256.slice(0, 12)}…; the manifest says ${manifest.sizeBytes} bytes with sha256 ${manifest.sha256.slice(0, 12)}…)`, {
    hint: 'Do not use this backup. Restore another one (`dbrollback backups`), and check the storage for corruption.',
    details: { id: manifest.id, expected: { sha256: manifest.sha256, size: manifest.sizeBytes }, actual },
    cause,
  });
}

function readBrokeOff(storage: Storage, manifest: BackupManifest, bytes: number, cause: unknown): DbrollbackError {
  return new DbrollbackError('RESTORE_FAILED', `downloading backup ${manifest.id} failed: reading it from ${storage.url} broke off after ${bytes} of ${manifest.sizeBytes} bytes: ${(cause as Error).message}`, {
    hint: 'Check the storage is reachable, then run the restore again.',
    cause,
  });
}

/** Download to a 0600 temp file; returns its path (caller removes it with `removeDump`). */
export async function downloadDump(storage: Storage, manifest: BackupManifest, dumpKey: string, options: { tempDir?: string; onProgress?: ProgressListener }): Promise<string> {
  const file = path.join(options.tempDir ?? os.tmpdir(), `dbrollback-restore-${manifest.id}-${randomBytes(4).toString('hex')}.pgcustom`);
  const meter = transferMeter('download', manifest.sizeBytes, options.onProgress);
  const digest = new DigestStream((bytes) => meter.update(bytes));
  // Which end failed first decides what to tell: the storage went away, or the temp directory is full
  // (pipeline then destroys the other streams with the same error, so only the first one counts).
  let failedEnd: 'read' | 'write' | undefined;
  try {
    const source = (await storage.get(dumpKey)).once('error', () => (failedEnd ??= 'read'));
    const sink = createWriteStream(file, { flags: 'wx', mode: 0o600 }).once('error', () => (failedEnd ??= 'write'));
    await pipeline(source, digest, sink);
  } catch (cause) {
    await rm(file, { force: true });
    if (cause instanceof DbrollbackError) throw cause;
    if (failedEnd === 'read') throw readBrokeOff(storage, manifest, digest.bytes, cause);
    throw new DbrollbackError('RESTORE_FAILED', `downloading backup ${manifest.id} to ${file} failed: ${(cause as Error).message}`, {
      hint: `Check that ${path.dirname(file)} has ${manifest.sizeBytes} bytes free (or pass --temp-dir DIR, or --jobs 1 to stream instead of downloading).`,
      cause,
    });
  }
  meter.finish(digest.bytes);
  const actual = { sha256: digest.sha256(), size: digest.bytes };
  if (actual.sha256 !== manifest.sha256 || actual.size !== manifest.sizeBytes) {
    await rm(file, { force: true });
    throw checksumError(manifest, actual);
  }
  return file;
}

export async function removeDump(file: string | undefined): Promise<void> {
  if (file) await rm(file, { force: true });
}

/**
 * Pump the dump into `destination` (pg_restore's stdin), checking the sha256
 * as it passes. On a mismatch the destination is destroyed instead of ended,
 * so pg_restore fails too, and the promise rejects with CHECKSUM_MISMATCH.
 */
export async function pumpDump(storage: Storage, manifest: BackupManifest, dumpKey: string, destination: Writable, onProgress?: ProgressListener): Promise<void> {
  // The storage going away explains pg_restore's "end of file" better than pg_restore does;
  // only the end that failed first counts (pipeline destroys the others with the same error).
  let failedEnd: 'read' | 'write' | undefined;
  const source = (await storage.get(dumpKey)).once('error', () => (failedEnd ??= 'read'));
  destination.once('error', () => (failedEnd ??= 'write'));
  const meter = transferMeter('download', manifest.sizeBytes, onProgress);
  const digest = new DigestStream((bytes) => meter.update(bytes));
  const verdict = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      cb(null, chunk);
    },
    flush(cb: TransformCallback) {
      meter.finish(digest.bytes);
      const actual = { sha256: digest.sha256(), size: digest.bytes };
      cb(actual.sha256 !== manifest.sha256 || actual.size !== manifest.sizeBytes ? checksumError(manifest, actual) : null);
    },
  });
  try {
    await pipeline(source, digest, verdict, destination);
  } catch (cause) {
    if (cause instanceof DbrollbackError) throw cause;
    if (failedEnd === 'read') throw readBrokeOff(storage, manifest, digest.bytes, cause);
    // pg_restore stopped reading before the end (bad bytes in its table of contents make it quit at
    // once): the checksum never came. A damaged backup must be named as such, not as pg_restore's
    // "corrupt TOC", so the stored dump is hashed once more — for a bounded time, as this is a failure path.
    if (failedEnd === 'write') {
      const actual = await storedDigest(storage, dumpKey, RECHECK_MS).catch(() => undefined);
      if (actual && (actual.sha256 !== manifest.sha256 || actual.size !== manifest.sizeBytes)) throw checksumError(manifest, actual, cause);
    }
    throw cause;
  }
}

/** How long a failed streamed restore spends hashing the stored dump again to tell damage from other failures. */
const RECHECK_MS = 30_000;

/** The sha256 and size of a stored object, or undefined when reading it takes longer than `withinMs`. */
async function storedDigest(storage: Storage, key: string, withinMs: number): Promise<{ sha256: string; size: number } | undefined> {
  const source = await storage.get(key);
  const timer = setTimeout(() => source.destroy(new Error('timed out')), withinMs);
  try {
    return await digestOf(source);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
