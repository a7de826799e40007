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
import { faultPoint, withFaultPoint } from '../audit/fault-point.js';
import { readBack } from './read-back.js';
import { DbrollbackError, isDbrollbackError } from '../errors.js';
import { largeOutputBuffer } from '../pgtools/output-buffer.js';
import { findBinary } from '../pgtools/binaries.js';
import { dumpKey, manifestKey, newBackupId } from './layout.js';
import type { BackupManifest } from './manifest.js';
import { startDump } from './pg-dump.js';
import { transferMeter, type ProgressListener } from '../progress.js';
import { tableSizes, watchCopies } from './copy-progress.js';
import { openSnapshot, type DumpSnapshot } from './snapshot.js';
import type { Storage } from '../storage/contract.js';
import type { HeadLookup } from '../verify/check.js';
import { compareRefs, fingerprint, listUserTables, type TableRef } from '../fingerprint/fingerprint.js';
import { quoteIdent, type Db } from '../db/connection.js';
import { trace } from '../trace.js';

/** What a backup reads from and writes to (a RunContext is one). */
export interface BackupSource {
  readonly conn: ConnInfo;
  readonly storage: Storage;
  /**
   * The migration head to record, read through the run's adapter; `on` is the
   * dump's snapshot connection (still opening), which a lookup that reads the
   * database without a connection of its own may use: in the snapshot's
   * read-only transaction, after the export, before pg_dump starts.
   */
  headLookup(on?: Promise<Db>): Promise<HeadLookup>;
  /** Aborted (SIGINT/SIGTERM): pg_dump is stopped, the upload abandoned, no manifest written. */
  readonly signal?: AbortSignal | undefined;
}

export interface BackupOptions {
  label?: string;
  /** Read the stored dump back and check its sha256 (default true; false is recorded as verified: false). */
  readback?: boolean;
  onProgress?: ProgressListener;
  /** One line per step, for logs. */
  onStep?: (line: string) => void;
  /**
   * A partial backup: the rows of these tables only, with the whole schema
   * (pg_dump --exclude-table-data for every other table); the manifest is
   * marked partial and fingerprints only these tables.
   */
  partial?: { tables: TableRef[]; reason: string };
  /** Called once everything is checked and pg_dump is about to start (from here on the storage is written to). */
  onDumpStart?: (id: string) => void;
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
  // The storage is checked, the dump's snapshot opened (with the head read through it) and pg_dump looked for (local
  // programs only), all at once: each waits on I/O, and on s3:// the check is a network round trip.
  // The head comes from the migration tool itself (its history table), not from guessing; a lookup without a project
  // reads the history tables through the snapshot's connection (one connection fewer).
  const opening = openSnapshot(conn);
  const snapshotDb = opening.then((s) => s.db);
  snapshotDb.catch(() => undefined); // a lookup through the adapter never waits for it; the failure is reported through `opening`
  const headAndSnapshot = bothOrClose(source.headLookup(snapshotDb), opening);
  // Started with spawnTool, not execa: execa is not loaded (withExeca: false). Its version is checked against the server's below.
  const binary = findBinary('pg_dump', { withExeca: false });
  binary.catch(() => undefined);
  // Whether pg_dump can write its archive in large pieces: checked beside the snapshot's opening.
  void binary.then((b) => largeOutputBuffer(b), () => null);
  // A storage problem (a wrong URL, missing credentials, an absent bucket) is what is reported, at once, whatever the
  // database says: nothing was written, and the snapshot — a read-only transaction — is closed unused.
  try {
    await storage.check();
  } catch (err) {
    void headAndSnapshot.then(([, snapshot]) => snapshot.close(), () => undefined);
    throw err;
  }
  trace('backup: storage checked');
  const [lookup, snapshot] = await headAndSnapshot;
  trace('backup: head read, snapshot open');
  const head = lookup.configured ? lookup.head : null;
  const migrator = lookup.configured ? lookup.migrator : null;
  step(lookup.configured ? `migration head: ${head ?? '(no migration applied)'} (${migrator}${lookup.from ? `, read from its history table ${lookup.from}` : ''})` : `migration head: not recorded (${lookup.reason})`);

  const pgDump = await binary.then(() => findBinary('pg_dump', { minMajor: snapshot.serverVersion.major, withExeca: false })).catch(async (err: unknown) => {
    await snapshot.close();
    throw err;
  });
  trace('backup: pg_dump found');
  // pg_dump locks and reads every table and sequence of the database (a partial backup too: its schema is whole):
  // one this role may not read stops it halfway with "permission denied". Said first, naming the GRANT.
  const unreadable = await unreadableRelations(snapshot.db).catch(async (err: unknown) => {
    await snapshot.close();
    throw err;
  });
  if (unreadable.relations.length > 0) {
    await snapshot.close();
    throw unreadableError(unreadable.role, unreadable.relations);
  }
  const id = newBackupId(new Date(started));
  const key = dumpKey(id);
  step(`backup ${id}: pg_dump ${pgDump.version} of "${snapshot.database}"${options.partial ? ` (partial: the rows of ${options.partial.tables.length} table(s), the whole schema)` : ''} → ${storage.url}`);

  // Dump, upload and fingerprints run at once, all in the exported snapshot.
  // Progress is table data pg_dump has read against the tables' sizes (what the server reports),
  // and the bytes stored so far, whose total nobody knows before the end.
  const appName = `dbrollback-dump-${id}`;
  const watch = options.onProgress ? watchCopies({ conn, applicationName: appName, phase: 'dump', unit: 'bytes', tables: await tableSizes(snapshot.db), listener: options.onProgress }) : null;
  const meter = transferMeter('upload', null, options.onProgress);
  options.onDumpStart?.(id);
  const covered = options.partial ? await coveredTables(snapshot.db, options.partial.tables).catch(async (err: unknown) => {
    await snapshot.close();
    throw err;
  }) : null;
  trace('backup: pg_dump starts');
  const dump = startDump(pgDump, { ...conn, applicationName: appName }, snapshot.id, covered ? covered.excludeData.map(dumpPattern) : [], await largeOutputBuffer(pgDump));
  // A stop asked for mid-stream ends pg_dump and the upload (a multipart upload is aborted, leaving nothing).
  const stop = () => dump.kill();
  source.signal?.addEventListener('abort', stop, { once: true });
  const upload = storage.put(key, withFaultPoint('backup:dump', dump.stream, source.signal), {
    expectedSize: snapshot.databaseBytes,
    onProgress: (bytes) => meter.update(bytes),
    ...(source.signal ? { signal: source.signal } : {}),
  });
  // A failed upload must stop pg_dump (it would block on a full pipe forever).
  upload.catch(() => dump.kill());
  const tables = fingerprint(snapshot.db, covered ? covered.data : undefined);
  void dump.exited.then(() => trace('backup: pg_dump exited'), () => undefined);
  void upload.then(() => trace('backup: upload stored'), () => undefined);
  void tables.then(() => trace('backup: fingerprints taken'), () => undefined);
  const [uploaded, dumped, fingerprinted] = await Promise.allSettled([upload, dump.exited, tables]);
  source.signal?.removeEventListener('abort', stop);
  await watch?.stop();
  await snapshot.close();

  if (uploaded.status === 'rejected' || dumped.status === 'rejected' || fingerprinted.status === 'rejected' || source.signal?.aborted) {
    if (uploaded.status === 'fulfilled') await storage.delete(key).catch(() => undefined);
    if (source.signal?.aborted) throw backupStopped(id, source.signal.reason, 'while pg_dump was streaming');
    throw backupFailed(id, storage.url, firstCause(dumped, uploaded, fingerprinted));
  }
  const stored = uploaded.value;
  meter.finish(stored.size);

  // Read back what the storage holds: the backup is good only if these bytes hash the same.
  let verified = false;
  if (options.readback !== false) {
    step(`backup ${id}: reading the dump back to check its sha256`);
    await readBack(storage, stored, {
      what: `backup ${id}: the stored dump`,
      retake: 'take a new backup',
      onProgress: options.onProgress,
      signal: source.signal,
      onReadError: (cause) => backupFailed(id, storage.url, cause),
    });
    verified = true;
    trace('backup: read back');
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
    ...(lookup.configured ? {} : { migrationHeadNote: lookup.reason, ...(lookup.version ? { migrationHeadVersion: lookup.version } : {}) }),
    sizeBytes: stored.size,
    sha256: stored.sha256,
    verified,
    objects: [key],
    tables: fingerprinted.value,
    tablesInDumpSnapshot: true,
    locale: snapshot.locale,
    ...(covered ? { partial: { tables: covered.data.map((t) => `${t.schema}.${t.table}`), schema: 'all' as const, reason: options.partial!.reason } } : {}),
    durationMs: Date.now() - started,
  };
  await faultPoint('backup:before-manifest', source.signal);
  if (source.signal?.aborted) {
    await storage.delete(key).catch(() => undefined);
    throw backupStopped(id, source.signal.reason, 'before its manifest was written');
  }
  // Last: from this write on, the backup exists.
  const mKey = manifestKey(id);
  await storage.put(mKey, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' }).catch(async (cause: unknown) => {
    // Without its manifest the dump is never used; do not leave it to pile up.
    await storage.delete(key).catch(() => undefined);
    throw backupFailed(id, storage.url, cause, 'writing the manifest');
  });
  trace('backup: manifest written');
  step(`backup ${id}: done (${stored.size} bytes, sha256 ${stored.sha256.slice(0, 12)}…, ${verified ? 'read back and checked' : 'NOT read back'})`);
  return { manifest, storage: storage.url, manifestKey: mKey };
}

/** The head and the snapshot, opened at once; when either fails the snapshot is closed, and the head's error comes first (it is what a sequential run reported). */
async function bothOrClose(lookup: Promise<HeadLookup>, opening: Promise<DumpSnapshot>): Promise<[HeadLookup, DumpSnapshot]> {
  const [head, snapshot] = await Promise.allSettled([lookup, opening]);
  if (head.status === 'fulfilled' && snapshot.status === 'fulfilled') return [head.value, snapshot.value];
  if (snapshot.status === 'fulfilled') await snapshot.value.close();
  throw head.status === 'rejected' ? head.reason : (snapshot as PromiseRejectedResult).reason;
}

function firstCause(...results: PromiseSettledResult<unknown>[]): unknown {
  // pg_dump's own error explains more than the broken pipe it causes downstream, unless storage failed first.
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  const storageFailure = rejected.find((e) => isDbrollbackError(e) && e.code.startsWith('STORAGE_'));
  return storageFailure ?? rejected[0];
}

function backupStopped(id: string, reason: unknown, when: string): DbrollbackError {
  const signal = reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  return new DbrollbackError(signal === 'SIGTERM' ? 'TERMINATED' : 'INTERRUPTED', `backup ${id} stopped by ${signal} ${when}: no manifest was written, so it does not exist (the partial dump was removed)`, {
    hint: 'Nothing in the database changed. Run `dbrollback backup` again.',
    details: { id, signal },
  });
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

/**
 * The tables of a partial backup as they are in the dump's snapshot: the
 * ones asked for that exist (a down may name a table it creates), and every
 * other user table, whose rows pg_dump leaves out.
 */
async function coveredTables(db: Db, wanted: readonly TableRef[]): Promise<{ data: TableRef[]; excludeData: TableRef[] }> {
  const all = await listUserTables(db);
  // A partitioned table's rows are its partitions': each one of them (and of sub-partitions) is covered.
  const { rows: leaves } = await db.query<TableRef>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM unnest($1::text[], $2::text[]) AS w(schema, name)
       CROSS JOIN LATERAL pg_catalog.pg_partition_tree(pg_catalog.to_regclass(pg_catalog.quote_ident(w.schema) || '.' || pg_catalog.quote_ident(w.name))) AS p
       JOIN pg_catalog.pg_class c ON c.oid = p.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE p.isleaf`,
    [wanted.map((t) => t.schema), wanted.map((t) => t.table)],
  );
  const keys = new Set([...wanted, ...leaves].map((t) => `${t.schema}\u0000${t.table}`));
  const data = all.filter((t) => keys.has(`${t.schema}\u0000${t.table}`)).sort(compareRefs);
  return { data, excludeData: all.filter((t) => !keys.has(`${t.schema}\u0000${t.table}`)) };
}

/** A pg_dump pattern naming exactly one table: both parts double-quoted, so no character is a wildcard. */
export function dumpPattern(t: TableRef): string {
  return `"${t.schema.replace(/"/g, '""')}"."${t.table.replace(/"/g, '""')}"`;
}

/** Tables, views' materialisations and sequences pg_dump would read that the connected role may not SELECT (extension members left out: pg_dump skips them). */
async function unreadableRelations(db: Db): Promise<{ role: string; relations: string[] }> {
  const { rows } = await db.query<{ role: string; name: string | null }>(
    `SELECT current_user AS role, r.name FROM (SELECT 1) one LEFT JOIN (
       SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm', 'S')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
          AND NOT pg_catalog.has_table_privilege(c.oid, 'SELECT')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1) r ON true`,
  );
  return { role: rows[0]!.role, relations: rows.flatMap((r) => (r.name === null ? [] : [r.name])) };
}

function unreadableError(role: string, relations: string[]): DbrollbackError {
  const shown = relations.slice(0, 5);
  return new DbrollbackError('PRIVILEGE_MISSING', `role ${role} may not read ${relations.length === 1 ? 'a table' : `${relations.length} tables`} pg_dump must dump: ${shown.join(', ')}${relations.length > shown.length ? ', …' : ''}. Nothing was stored.`, {
    hint: `pg_dump locks and reads every table of the database, even when only some tables' rows are kept. As their owner or a superuser: ${shown.map((r) => `GRANT SELECT ON ${r} TO ${quoteIdent(role)};`).join(' ')}${relations.length > shown.length ? ' (and the others)' : ''}`,
    details: { unreadable: relations },
  });
}
