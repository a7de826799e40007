/**
 * `dbrollback base-backup`: a physical copy of the cluster that point-in-time
 * restore starts from. pg_basebackup writes a tar to stdout (-X none: the WAL
 * comes from the archive wal-push fills), gzipped and streamed into
 * `backups/<id>/base.tar.gz`; PostgreSQL's backup_manifest is inside the
 * tar. The backup counts only once the WAL it needs (start to stop segment)
 * is in the archive and the stored tar read back matches — then the manifest
 * is written, last.
 */
import { createGzip } from 'node:zlib';
import { stoppedError } from '../../audit/checklist.js';
import { readBack } from '../read-back.js';
import { pipeline } from 'node:stream';
import type { Options } from 'execa';
import { describeConn, type ConnInfo } from '../../db/conninfo.js';
import { alterRole, roleAttributes } from '../../db/role-attributes.js';
import { withDb, type Db } from '../../db/connection.js';
import { parseDuration } from '../../db/duration.js';
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import { findBinary } from '../../pgtools/binaries.js';
import { startTool, toolError } from '../../pgtools/run.js';
import type { Storage } from '../../storage/contract.js';
import { baseTarKey, manifestKey, newBackupId } from '../layout.js';
import type { BackupManifest } from '../manifest.js';
import { ExitGate } from '../pg-dump.js';
import { transferMeter, type ProgressListener } from '../../progress.js';
import { formatLsn, lsnSegment, parseLsn, parseWalName, segmentName, timelineHex, walKey } from '../wal/layout.js';
import { walChain } from '../wal/wal-chain.js';
import type { BaseInfo } from './base-info.js';
import { TarEntries } from './tar-entries.js';
import { watchArchiveWait } from './archive-wait.js';
import { archiveFailureLogLines, archiverStatus, archivingProblem, describeFailure, logLineAdvice, type ArchiverStatus } from '../wal/archiver-status.js';

/** How long a base backup waits for its last WAL segment to be archived, unless --archive-timeout says otherwise. */
export const DEFAULT_ARCHIVE_TIMEOUT_MS = 60_000;

export interface BaseBackupOptions {
  conn: ConnInfo;
  storage: Storage;
  label?: string;
  /** Read the stored tar back and check its sha256 (default true). */
  readback?: boolean;
  /**
   * How long to wait for the archive to receive the backup's last WAL segment
   * (`--archive-timeout`, default 60 s): the server's own wait for its
   * archiver, then the storage's. Past it the backup fails naming
   * pg_stat_archiver's last failure.
   */
  archiveWaitMs?: number;
  /** The same as a duration as flags spell it ("60s", "2m", "500ms", or seconds); archiveWaitMs wins. */
  archiveTimeout?: string | number;
  /** gzip level of the tar (default 6, as the WAL). */
  level?: number;
  onProgress?: ProgressListener;
  onStep?: (line: string) => void;
  /** Called once everything is checked and pg_basebackup is about to start (from here on the storage is written to). */
  onStart?: (id: string) => void;
  /** Aborted (SIGINT/SIGTERM): pg_basebackup is stopped and the upload abandoned; no manifest, so no backup. */
  signal?: AbortSignal | undefined;
}

export interface BaseBackupResult {
  manifest: BackupManifest;
  manifestKey: string;
}

interface ClusterFacts {
  version: string;
  major: number;
  systemIdentifier: string | null;
  segmentSize: number;
  archiveMode: string;
  tablespaces: string[];
  bytes: number;
  database: string;
  /** current_user, and whether it may open pg_basebackup's replication connection (superuser or REPLICATION). */
  role: string;
  mayReplicate: boolean;
}

export async function baseBackup(options: BaseBackupOptions): Promise<BaseBackupResult> {
  const started = Date.now();
  const { conn, storage } = options;
  const step = options.onStep ?? (() => undefined);
  archiveTimeoutOf(options.archiveTimeout);
  // Storage first: a wrong URL fails in seconds, before the server does a checkpoint for us.
  await storage.check();
  const facts = await withDb(conn, clusterFacts);
  refuseUnsupported(facts, conn);
  // The backup is worth nothing without its WAL: a server that is not archiving it now is refused before it starts.
  const archiving = await withDb(conn, async (db) => {
    const status = await archiverStatus(db);
    return { status, problem: archivingProblem(status), logLines: status.failingNow ? await archiveFailureLogLines(db) : null };
  });
  if (archiving.problem !== null) throw archiveNotWorking(archiving.problem, archiving.status, archiving.logLines, 'Nothing was stored.');
  const archiveTimeoutMs = options.archiveWaitMs ?? archiveTimeoutOf(options.archiveTimeout);
  const pgBasebackup = await findBinary('pg_basebackup', { minMajor: facts.major });
  const id = newBackupId(new Date(started));
  const key = baseTarKey(id);
  step(`base backup ${id}: pg_basebackup ${pgBasebackup.version} of ${conn.host}:${conn.port} → ${storage.url}`);

  const startTime = await withDb(conn, serverNow);
  const args = ['-D', '-', '-Ft', '-X', 'none', '--checkpoint=fast', '--no-password', '-l', `dbrollback ${id}`];
  // ['pipe']: a stream we consume, never buffered whole.
  options.onStart?.(id);
  // Named, so the watcher finds this backup's walsender among others.
  const applicationName = `dbrollback-basebackup-${id}`;
  const child = startTool(pgBasebackup, args, { conn: { ...conn, applicationName }, stdout: ['pipe'] as Options['stdout'], ...(options.signal ? { cancelSignal: options.signal } : {}) });
  const exited = child.then(
    () => undefined,
    (cause: unknown) => Promise.reject(toolError(pgBasebackup, args, cause, conn)),
  );
  exited.catch(() => undefined);
  const gate = new ExitGate(exited);
  exited.catch((err: unknown) => gate.destroy(err as Error));
  const entries = new TarEntries(['backup_label', 'backup_manifest']);
  // facts.bytes is the databases' size: the tar (config, pg_xact, headers) can hold more. The bytes counted
  // are the tar's as read from the server, before gzip: like with like, and never called "stored".
  const meter = transferMeter('upload', facts.bytes, options.onProgress, { watchStalls: true, totalIsEstimate: true, counts: 'read' });
  const watch = watchArchiveWait(conn, {
    applicationName,
    timeoutMs: archiveTimeoutMs,
    onWaiting: () => step(`base backup ${id}: all data sent; the server is waiting for its archiver to store the backup's last WAL segment (at most ${seconds(archiveTimeoutMs)}, --archive-timeout)`),
  });
  let tarBytes = 0;
  entries.on('data', (chunk: Buffer) => meter.update((tarBytes += chunk.length)));
  const gzipped = pipeline(child.stdout!, gate, entries, createGzip({ level: options.level ?? 6 }), () => undefined);
  const upload = storage.put(key, gzipped, { contentType: 'application/gzip', expectedSize: facts.bytes, ...(options.signal ? { signal: options.signal } : {}) });
  upload.catch(() => void child.kill('SIGTERM'));
  const [uploaded, finished] = await Promise.allSettled([upload, exited]);
  await watch.stop();
  if (uploaded.status === 'rejected' || finished.status === 'rejected' || options.signal?.aborted) {
    meter.stop();
    if (uploaded.status === 'fulfilled') await storage.delete(key).catch(() => undefined);
    if (options.signal?.aborted) throw stoppedError(options.signal.reason, 'manifest', null);
    const timedOut = watch.timedOut;
    if (timedOut) {
      throw archiveNotWorking(
        `base backup ${id}: the server waited ${seconds(timedOut.waitedMs)} for its archiver to store the backup's last WAL segment, and it did not: ${timedOut.status.failingNow ? describeFailure(timedOut.status) : `archiving is not keeping up or not running (${describeFailure(timedOut.status)})`}`,
        timedOut.status,
        timedOut.logLines,
        'No manifest was written: this backup is incomplete and will never be used. Fix archiving, then run base-backup again (--archive-timeout D waits longer for a slow archive).',
      );
    }
    throw failed(id, storage, finished.status === 'rejected' ? finished.reason : (uploaded as PromiseRejectedResult).reason, 'pg_basebackup and the upload');
  }
  meter.finish(tarBytes);
  const stopTime = await withDb(conn, serverNow);
  const positions = backupPositions(entries.captured.get('backup_label'), entries.captured.get('backup_manifest'));
  if (typeof positions === 'string') {
    await storage.delete(key).catch(() => undefined);
    throw failed(id, storage, new Error(positions), 'reading the backup position');
  }
  const tli = timelineHex(positions.timeline);
  const base: BaseInfo = {
    timeline: positions.timeline,
    startLsn: formatLsn(positions.start),
    stopLsn: formatLsn(positions.stop),
    startWal: segmentName(tli, lsnSegment(positions.start, facts.segmentSize), facts.segmentSize),
    // The last byte of the backup-end record, as PostgreSQL names the stop segment.
    stopWal: segmentName(tli, lsnSegment(positions.stop - 1n, facts.segmentSize), facts.segmentSize),
    startTime,
    stopTime,
    systemIdentifier: facts.systemIdentifier,
    walSegmentSize: facts.segmentSize,
    tablespaces: [],
    backupManifestInTar: entries.names.includes('backup_manifest'),
  };

  try {
    // Usable only with its WAL: wait for the archiver to push the stop segment, then check nothing before it is missing.
    step(`base backup ${id}: waiting for ${base.stopWal} in the WAL archive`);
    await waitArchived(storage, base.stopWal, archiveTimeoutMs, id, conn);
    const chain = await walChain(storage, { timeline: base.timeline, fromSegment: base.startWal, toLsn: positions.stop - 1n, segmentSize: base.walSegmentSize });
    if (!chain.ok) {
      throw new DbrollbackError('BACKUP_FAILED', `base backup ${id}: the WAL it needs is not all archived (${chain.problem}); no manifest was written, so it will never be used`, {
        hint: 'Check that archive_command is the one `dbrollback archive-command` prints with this same --storage (it runs `dbrollback wal-push %p`), and `dbrollback backups --check`.',
        details: { id, missing: chain.missing },
      });
    }
    const stored = uploaded.value;
    let verified = false;
    if (options.readback !== false) {
      step(`base backup ${id}: reading the tar back to check its sha256`);
      await readBack(storage, stored, { what: `base backup ${id}: the stored tar`, retake: 'take a new base backup' });
      verified = true;
    }
    const manifest: BackupManifest = {
      version: 1,
      id,
      kind: 'base',
      createdAt: new Date(started).toISOString(),
      label: options.label ?? null,
      database: facts.database,
      serverVersion: facts.version,
      pgDumpVersion: null,
      migrationHead: null,
      migrator: null,
      sizeBytes: stored.size,
      sha256: stored.sha256,
      verified,
      objects: [key],
      tables: [],
      durationMs: Date.now() - started,
      base,
    };
    const mKey = manifestKey(id);
    await storage.put(mKey, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
    step(`base backup ${id}: done (${stored.size} bytes, WAL ${base.startWal} … ${base.stopWal} on timeline ${base.timeline})`);
    return { manifest, manifestKey: mKey };
  } catch (err) {
    await storage.delete(key).catch(() => undefined);
    throw isDbrollbackError(err) && err.code !== 'STORAGE_FAILED' && err.code !== 'STORAGE_UNREACHABLE' ? err : failed(id, storage, err, 'finishing');
  }
}

async function clusterFacts(db: Db): Promise<ClusterFacts> {
  const { rows } = await db.query<{ version: string; num: string; segsize: string; archive_mode: string; tablespaces: string[]; bytes: string; database: string }>(`
    SELECT current_setting('server_version') AS version,
           current_setting('server_version_num') AS num,
           (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size') AS segsize,
           current_setting('archive_mode') AS archive_mode,
           array(SELECT spcname::text FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY 1) AS tablespaces,
           (SELECT sum(pg_database_size(oid)) FROM pg_database WHERE datallowconn)::text AS bytes,
           current_database() AS database`);
  const row = rows[0]!;
  const attributes = await roleAttributes(db);
  // pg_control_system() is for superusers and pg_monitor; the identifier is a nicety, not a requirement.
  const sysid = await db
    .query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')
    .then((r) => r.rows[0]?.id ?? null)
    .catch(() => null);
  return {
    version: row.version,
    major: Math.floor(Number(row.num) / 10000),
    systemIdentifier: sysid,
    segmentSize: Number(row.segsize),
    archiveMode: row.archive_mode,
    tablespaces: row.tablespaces,
    bytes: Number(row.bytes ?? 0),
    database: row.database,
    role: attributes.role,
    mayReplicate: attributes.superuser || attributes.replication,
  };
}

function refuseUnsupported(facts: ClusterFacts, conn: ConnInfo): void {
  // pg_basebackup's walsender connection: without the attribute it fails only after the storage was opened, with PostgreSQL's FATAL.
  if (!facts.mayReplicate) {
    throw new DbrollbackError('PRIVILEGE_MISSING', `role ${facts.role} may not take a base backup: pg_basebackup needs a superuser or a role with the REPLICATION attribute (${describeConn(conn)} has neither). Nothing was stored.`, {
      hint: `As a superuser: ${alterRole(facts.role, 'REPLICATION')} (and a "replication" line for it in pg_hba.conf), or run base-backup with --database-url of a role that has it. Managed platforms take base backups themselves: point-in-time restore there is the platform's own; \`dbrollback backup\` takes a logical backup with this role.`,
    });
  }
  if (facts.tablespaces.length > 0) {
    throw new DbrollbackError('BASE_BACKUP_UNSUPPORTED', `the cluster has tablespaces outside its data directory (${facts.tablespaces.join(', ')}); base-backup copies only clusters without extra tablespaces`, {
      hint: 'Move the tables back to pg_default (ALTER TABLE … SET TABLESPACE pg_default), or use `dbrollback backup` for a logical backup.',
      details: { tablespaces: facts.tablespaces },
    });
  }
  if (facts.archiveMode === 'off') {
    throw new DbrollbackError('BASE_BACKUP_UNSUPPORTED', 'WAL archiving is off (archive_mode = off): a base backup without its WAL cannot be restored', {
      hint: 'Set archive_mode = on and the archive_command `dbrollback archive-command --storage URL` prints (a restart is needed for archive_mode), then run base-backup again.',
    });
  }
}

async function serverNow(db: Db): Promise<string> {
  const { rows } = await db.query<{ now: Date }>('SELECT clock_timestamp() AS now');
  return rows[0]!.now.toISOString();
}

/**
 * Where the backup's WAL starts (backup_label: "START WAL LOCATION: 0/2000028 (file …)",
 * "START TIMELINE: 1") and ends (backup_manifest's "WAL-Ranges"); a string says what is missing.
 */
export function backupPositions(label: Buffer | undefined, manifest: Buffer | undefined): { start: bigint; stop: bigint; timeline: number } | string {
  if (!label) return 'the tar has no backup_label';
  if (!manifest) return 'the tar has no backup_manifest (pg_basebackup --no-manifest?)';
  const text = label.toString('utf8');
  const start = /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/im.exec(text);
  const timeline = /^START TIMELINE: (\d+)/im.exec(text);
  if (!start || !timeline) return `backup_label has no start position:\n${text}`;
  let ranges: Array<{ 'End-LSN'?: string }>;
  try {
    ranges = (JSON.parse(manifest.toString('utf8')) as { 'WAL-Ranges'?: Array<{ 'End-LSN'?: string }> })['WAL-Ranges'] ?? [];
  } catch (err) {
    return `backup_manifest is not JSON: ${(err as Error).message}`;
  }
  const end = ranges.at(-1)?.['End-LSN'];
  if (!end) return 'backup_manifest has no WAL-Ranges';
  return { start: parseLsn(start[1]!), stop: parseLsn(end), timeline: Number(timeline[1]) };
}

async function waitArchived(storage: Storage, segment: string, timeoutMs: number, id: string, conn: ConnInfo): Promise<void> {
  const key = walKey(parseWalName(segment)!);
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    if (await storage.stat(key)) return;
    if (Date.now() >= deadline) {
      // The server says it archived the segment (pg_basebackup returned), yet it is not here: another storage, or a command that stores nothing.
      const status = await withDb(conn, archiverStatus).catch(() => null);
      throw new DbrollbackError('BACKUP_FAILED', `base backup ${id}: WAL segment ${segment}, which the backup needs, did not reach ${storage.url} within ${seconds(timeoutMs)}${status ? ` (${describeFailure(status)})` : ''}; no manifest was written, so it will never be used`, {
        hint: `Check archive_command is the one \`dbrollback archive-command\` prints for this storage and that it succeeds${status?.archiveCommand ? ` (it is: ${status.archiveCommand})` : ''}; \`dbrollback backups --check\` shows what the archive holds.`,
        details: { id, segment, archiver: status },
      });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Archiving is not working: exit 1, naming pg_stat_archiver's account and the server log line to read. */
function archiveNotWorking(problem: string, status: ArchiverStatus, logLines: string[] | null, state: string): DbrollbackError {
  return new DbrollbackError('ARCHIVE_FAILING', problem, {
    hint: `${state} ${logLineAdvice(status, logLines)}`,
    details: { archiver: status, serverLog: logLines },
  });
}

function archiveTimeoutOf(raw: string | number | undefined): number {
  if (raw === undefined) return DEFAULT_ARCHIVE_TIMEOUT_MS;
  const ms = parseDuration(raw);
  if (ms === undefined) throw new DbrollbackError('USAGE', `--archive-timeout must be a duration like 60s, 2m or 500ms (got ${JSON.stringify(raw)})`, { hint: 'Nothing was stored. The default is 60s.' });
  return ms;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 || ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function failed(id: string, storage: Storage, cause: unknown, what: string): DbrollbackError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DbrollbackError('BACKUP_FAILED', `base backup ${id} failed during ${what}: ${reason}. No manifest was written: this backup is incomplete and will never be used.`, {
    hint: isDbrollbackError(cause) && cause.hint ? cause.hint : `Check the database and the storage (${storage.url}), then run base-backup again.`,
    cause,
    details: { id },
  });
}
