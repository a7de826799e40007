/**
 * The base backup's tar stream, from storage into the new data directory:
 * gunzip and untar on the fly (never the whole backup on disk twice), the
 * stored bytes' sha256 checked against the manifest at the end, and the
 * directory owned by the OS user that will run the server (0700, as
 * PostgreSQL insists) — the `postgres` user when we run as root, as the test
 * harness and drills do.
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

/** zlib's default 16 KB output chunks cost about 40% more CPU over a base backup than 256 KB ones (fewer writes into tar's pipe). */
const GUNZIP_CHUNK = 256 * 1024;

export interface ExtractOptions {
  osUser: string | undefined;
  /** The manifest's sha256 of the stored object, checked when the stream ends. */
  sha256: string;
  sizeBytes: number;
  onProgress?: ProgressListener;
  /** Aborted (SIGINT/SIGTERM): the download and tar stop, and the run ends INTERRUPTED / TERMINATED. */
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
  const { execa } = await loadExeca();
  const tarArgs = ['-x', '-f', '-', '-C', dir];
  // tar runs as the server's user, so every file is its own with the modes the archive recorded.
  const tar = options.osUser
    ? execa('runuser', ['-u', options.osUser, '--', 'tar', ...tarArgs], { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', reject: false })
    : execa('tar', tarArgs, { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe', reject: false });
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
    await pipeline(withFaultPoint('restore:pitr-extract', await storage.get(key), options.signal), tap, createGunzip({ chunkSize: GUNZIP_CHUNK }), tar.stdin!, ...(options.signal ? [{ signal: options.signal }] : []));
  } catch (err) {
    tar.kill();
    await tar;
    if (options.signal?.aborted) throw stoppedInside(options.signal.reason, 'extract', `after ${bytes} bytes of the base backup`);
    throw new DbrollbackError('RESTORE_FAILED', `extracting ${key} into ${dir} failed after ${bytes} bytes: ${(err as Error).message}`, {
      hint: `${dir} holds a partial copy: remove it before trying again. Check the storage is reachable and the backup intact (\`dbrollback backups\`).`,
      cause: err,
    });
  }
  const done = await tar;
  meter.finish(bytes);
  if (done.exitCode !== 0) {
    throw new DbrollbackError('RESTORE_FAILED', `tar could not extract ${key} into ${dir} (exit ${done.exitCode}): ${String(done.stderr).trim().split('\n').slice(-3).join('; ')}`, {
      hint: `${dir} holds a partial copy: remove it, check free disk space, and try again.`,
    });
  }
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
