/**
 * The base backup's tar stream, from storage into the new data directory:
 * gunzipped and written file by file on the fly (never the whole backup on
 * disk twice; tar-writer.ts writes the files, several at once), the stored
 * bytes' sha256 checked against the manifest at the end, and everything owned
 * by the OS user that will run the server (DIR 0700, as PostgreSQL insists) —
 * the `postgres` user when we run as root, as the test harness and drills do.
 */
import { createHash } from 'node:crypto';
import { stoppedInside } from '../../audit/checklist.js';
import { withFaultPoint } from '../../audit/fault-point.js';
import { mkdir, readdir, stat, chown, chmod } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DbrollbackError } from '../../errors.js';
import { osUserIds } from '../../pgtools/local-cluster.js';
import { loadExeca } from '../../pgtools/load-execa.js';
import { tarWriter, UnsafeEntryError } from './tar-writer.js';
import type { Storage } from '../../storage/contract.js';
import { transferMeter, type ProgressListener } from '../../progress.js';

export interface DataDirCheck {
  dir: string;
  /** False when the directory will be created. */
  exists: boolean;
}

/**
 * DIR must be absent (its parent existing) or an empty directory, and
 * reachable by the server's OS user. Checks only: nothing is created here.
 */
export async function checkDataDir(dir: string, osUser: string | undefined): Promise<DataDirCheck> {
  const absolute = path.resolve(dir);
  const info = await stat(absolute).catch(() => null);
  if (info && !info.isDirectory()) {
    throw new DbrollbackError('USAGE', `--data-dir ${absolute} exists and is not a directory`, { hint: 'Give --data-dir a new (or empty) directory for the restored cluster.' });
  }
  if (info) {
    const entries = await readdir(absolute);
    if (entries.length > 0) {
      throw new DbrollbackError('TARGET_NOT_EMPTY', `--data-dir ${absolute} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries.slice(0, 3).join(', ')})`, {
        hint: 'A point-in-time restore never writes over existing files: give --data-dir a new or empty directory.',
      });
    }
  } else {
    const parent = await stat(path.dirname(absolute)).catch(() => null);
    if (!parent?.isDirectory()) {
      throw new DbrollbackError('USAGE', `the parent of --data-dir ${absolute} does not exist`, { hint: `Create ${path.dirname(absolute)} first, or choose another --data-dir.` });
    }
  }
  if (osUser) await checkReachable(osUser, info ? absolute : path.dirname(absolute));
  return { dir: absolute, exists: info !== null };
}

/** The server's OS user must be able to reach the directory (a data dir under /root is not). */
async function checkReachable(osUser: string, dir: string): Promise<void> {
  const { execa } = await loadExeca();
  const result = await execa('runuser', ['-u', osUser, '--', 'test', '-x', dir], { reject: false });
  if (result.exitCode !== 0) {
    throw new DbrollbackError('USAGE', `the ${osUser} OS user (which will run the restored server) cannot reach ${dir}`, {
      hint: `Choose a --data-dir under a directory ${osUser} can enter (e.g. /var/lib/postgresql or /tmp), or grant it access.`,
    });
  }
}

/** zlib's default 16 KB output chunks cost about 40% more CPU over a base backup than 256 KB ones (fewer, larger writes). */
const GUNZIP_CHUNK = 256 * 1024;

export interface ExtractOptions {
  osUser: string | undefined;
  /** The manifest's sha256 of the stored object, checked when the stream ends. */
  sha256: string;
  sizeBytes: number;
  onProgress?: ProgressListener;
  /** Aborted (SIGINT/SIGTERM): the download and the writes stop, and the run ends INTERRUPTED / TERMINATED. */
  signal?: AbortSignal | undefined;
}

export interface ExtractResult {
  bytes: number;
  sha256: string;
}

export async function extractBase(storage: Storage, key: string, dir: string, options: ExtractOptions): Promise<ExtractResult> {
  // An empty DIR given by the user is used as it is, with the mode and owner PostgreSQL requires.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const ids = options.osUser ? await osUserIds(options.osUser) : undefined;
  if (ids) await chown(dir, ...ids);
  // Written by this process, each entry chowned to the server's user, with the modes the archive recorded.
  const writer = tarWriter(dir, { owner: ids });
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = transferMeter('download', options.sizeBytes, options.onProgress);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      meter.update(bytes);
      done(null, chunk);
    },
  });
  try {
    await pipeline(withFaultPoint('restore:pitr-extract', await storage.get(key), options.signal), tap, createGunzip({ chunkSize: GUNZIP_CHUNK }), writer.input, ...(options.signal ? [{ signal: options.signal }] : []));
    await writer.settled();
  } catch (err) {
    // No write is left in flight: whoever removes the partial copy next does not race one.
    // The writer's own failure (a refused entry, a full disk) is the root of the pipeline's.
    const cause = await writer.settled().then(() => err, (first: unknown) => first);
    if (options.signal?.aborted) throw stoppedInside(options.signal.reason, 'extract', `after ${bytes} bytes of the base backup`);
    if (cause instanceof UnsafeEntryError) {
      throw new DbrollbackError('RESTORE_FAILED', `extracting ${key} into ${dir} stopped: ${cause.message}`, {
        hint: `${dir} holds a partial copy: remove it. This base backup was not written by pg_basebackup as dbrollback takes it; restore from another one (\`dbrollback backups\`, then --backup ID).`,
        cause,
      });
    }
    throw new DbrollbackError('RESTORE_FAILED', `extracting ${key} into ${dir} failed after ${bytes} bytes: ${(cause as Error).message}`, {
      hint: `${dir} holds a partial copy: remove it before trying again. Check the storage is reachable, the disk has room and the backup is intact (\`dbrollback backups\`).`,
      cause,
    });
  }
  meter.finish(bytes);
  const sha256 = hash.digest('hex');
  if (sha256 !== options.sha256) {
    throw new DbrollbackError('CHECKSUM_MISMATCH', `base backup ${key} does not match its manifest (sha256 ${sha256}, expected ${options.sha256})`, {
      hint: `${dir} holds a copy that must not be used: remove it, and restore from another base backup (\`dbrollback backups\`, then --backup ID).`,
    });
  }
  // -X none leaves WAL to the archive; the server still needs its WAL directories.
  for (const sub of ['pg_wal', 'pg_wal/archive_status']) {
    const target = path.join(dir, sub);
    await mkdir(target, { recursive: true, mode: 0o700 });
    if (ids) await chown(target, ...ids);
  }
  return { bytes, sha256 };
}
