/**
 * What backups a storage holds: one listing per `backups/<id>/`, newest first.
 * A backup counts only when its manifest exists and is valid; a dump without
 * one is listed as `incomplete` (an upload that died, or one still being read
 * back) and is never used for a restore or as a verify baseline.
 */
import { DbrollbackError, isDbrollbackError } from '../errors.js';
import { BACKUPS_PREFIX, MANIFEST_NAME, backupIdTime, checkBackupId, manifestKey } from './layout.js';
import type { BackupKind, BackupManifest, PartialCoverage } from './manifest.js';
import type { ObjectInfo, Storage } from '../storage/contract.js';
import { compareStrings } from '../compare-strings.js';

export type BackupStatus = 'complete' | 'incomplete' | 'invalid';

/** One row of `dbrollback backups` (the JSON contract's fields first). */
export interface BackupListing {
  id: string;
  kind: BackupKind;
  createdAt: string;
  sizeBytes: number | null;
  sha256: string | null;
  migrationHead: string | null;
  /** The tool that recorded the head; null when none was recorded (the head is then unknown, not "nothing applied"). */
  migrator: string | null;
  /** No head recorded, but its tool's version of it (manifest.ts). */
  migrationHeadVersion?: { migrator: string; version: string };
  serverVersion: string | null;
  label: string | null;
  database: string | null;
  /** complete = manifest present and valid; only complete backups are ever used. */
  status: BackupStatus;
  /** The dump was read back and its sha256 checked after upload. */
  verified: boolean;
  /** Every object stored under this backup's prefix. */
  objects: string[];
  /** A partial backup (undo --backup tables): the tables whose rows it holds; absent on a whole one. */
  partial?: PartialCoverage;
  /** Why a backup is incomplete or invalid. */
  problem?: string;
  /** Newest modification time among its objects (pruning orphans uses it). */
  lastModified: string;
}

export async function listBackups(storage: Storage): Promise<BackupListing[]> {
  const objects = await storage.list(BACKUPS_PREFIX);
  const byId = new Map<string, ObjectInfo[]>();
  for (const object of objects) {
    const rest = object.key.slice(BACKUPS_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    const id = rest.slice(0, slash);
    byId.set(id, [...(byId.get(id) ?? []), object]);
  }
  const listings: BackupListing[] = [];
  for (const [id, files] of byId) listings.push(await describe(storage, id, files));
  return listings.sort(newestFirst);
}

export interface LoadManifestOptions {
  /** Only accept this kind (`latest` then means the newest complete backup of this kind). */
  kind?: BackupKind;
  /**
   * The database whose backups `latest` chooses among (the configured one, --database-url): one storage
   * may hold the backups of several databases, and another's is never taken for "latest". Without it,
   * `latest` is the newest in the storage, whoever's it is. An explicit id is never filtered.
   */
  database?: string;
}

/**
 * The manifest of backup `idOrLatest` ('latest' = newest complete backup, of `options.database` when given).
 * BACKUP_NOT_FOUND (exit 2) when there is no such backup; BACKUP_INCOMPLETE
 * (exit 1) when it exists but has no valid manifest.
 */
export async function loadManifest(storage: Storage, idOrLatest: string, options: LoadManifestOptions = {}): Promise<BackupManifest> {
  const kindText = options.kind ? `${options.kind} ` : '';
  if (idOrLatest === 'latest') {
    const listings = await listBackups(storage);
    // "latest" means a whole backup: a partial one holds the rows of a few tables only.
    const usable = listings.filter((b) => b.status === 'complete' && !b.partial && (!options.kind || b.kind === options.kind));
    const newest = usable.find((b) => options.database === undefined || isBackupOf(b, options.database));
    if (!newest && options.database !== undefined && usable.length > 0) throw noBackupOf(storage, options.database, usable, kindText);
    if (!newest) {
      const incomplete = listings.filter((b) => b.status !== 'complete').length;
      throw new DbrollbackError('BACKUP_NOT_FOUND', `there is no complete ${kindText}backup in ${storage.url}${incomplete ? ` (${incomplete} incomplete ones are never used)` : ''}`, {
        hint: 'Take one with `dbrollback backup`, or check --storage / DBROLLBACK_STORAGE points at the right place.',
      });
    }
    return readManifest(storage, newest.id);
  }
  const id = checkBackupId(idOrLatest);
  const files = await storage.list(`${BACKUPS_PREFIX}${id}/`);
  if (files.length === 0) {
    throw new DbrollbackError('BACKUP_NOT_FOUND', `backup "${id}" does not exist in ${storage.url}`, {
      hint: 'Run `dbrollback backups` to see the available ids, or use "latest".',
    });
  }
  const listing = await describe(storage, id, files);
  // A manifest refused by the encryption layer (altered, planted): that refusal is the error to report.
  if (listing.status === 'invalid' && listing.problem?.startsWith('manifest unreadable')) await readManifest(storage, id);
  if (listing.status !== 'complete') {
    throw new DbrollbackError('BACKUP_INCOMPLETE', `backup "${id}" in ${storage.url} is ${listing.status} (${listing.problem}) and cannot be used`, {
      hint: 'Choose another backup (`dbrollback backups`), or "latest" for the newest complete one.',
    });
  }
  const manifest = await readManifest(storage, id);
  if (options.kind && manifest.kind !== options.kind) {
    throw new DbrollbackError('BACKUP_NOT_FOUND', `backup "${id}" is a ${manifest.kind} backup, not a ${options.kind} one`, {
      hint: options.kind === 'logical' ? 'Logical restore needs a backup made by `dbrollback backup`.' : `Choose a ${options.kind} backup.`,
    });
  }
  return manifest;
}

/**
 * Whether a listed backup is one of `database`: its manifest names the database it was taken from.
 * (A logical manifest records no cluster identity — pg_control_system() is for superusers and
 * pg_monitor — so two databases of one name on two clusters sharing a storage are not told apart.)
 */
export function isBackupOf(b: Pick<BackupListing, 'database'>, database: string): boolean {
  return b.database === database;
}

/** The refusal when a storage holds complete backups, none of them of `database`: another's is never used in its place. */
export function noBackupOf(storage: Storage, database: string, others: readonly Pick<BackupListing, 'database'>[], kindText = ''): DbrollbackError {
  const names = [...new Set(others.map((b) => b.database ?? '(unknown)'))].sort(compareStrings);
  return new DbrollbackError('BACKUP_NOT_FOUND', `there is no complete ${kindText}backup of database "${database}" in ${storage.url} (it holds ${others.length} of ${names.length === 1 ? 'database' : 'databases'} ${names.map((n) => `"${n}"`).join(', ')}, which are never used for "${database}" unless named)`, {
    hint: `\`dbrollback backups\` lists them with their databases: take one of "${database}" with \`dbrollback backup\`, check --database-url names the database you mean, or pass --backup ID to use another database's backup on purpose.`,
  });
}

async function readManifest(storage: Storage, id: string): Promise<BackupManifest> {
  const text = await readText(storage, manifestKey(id));
  const parsed = parseManifest(text, id);
  if (typeof parsed === 'string') {
    throw new DbrollbackError('BACKUP_INCOMPLETE', `backup "${id}" has an invalid manifest (${parsed})`, {
      hint: 'Choose another backup (`dbrollback backups`).',
    });
  }
  return parsed;
}

async function describe(storage: Storage, id: string, files: ObjectInfo[]): Promise<BackupListing> {
  const names = files.map((f) => f.key);
  const lastModified = new Date(Math.max(...files.map((f) => f.lastModified.getTime()))).toISOString();
  const base: BackupListing = {
    id,
    kind: 'logical',
    createdAt: (backupIdTime(id) ?? new Date(Math.min(...files.map((f) => f.lastModified.getTime())))).toISOString(),
    sizeBytes: files.filter((f) => !f.key.endsWith(`/${MANIFEST_NAME}`)).reduce((sum, f) => sum + f.size, 0),
    sha256: null,
    migrationHead: null,
    migrator: null,
    serverVersion: null,
    label: null,
    database: null,
    status: 'incomplete',
    verified: false,
    objects: names,
    lastModified,
  };
  if (!names.includes(manifestKey(id))) return { ...base, problem: 'no manifest: the upload did not finish' };
  let manifest: BackupManifest | string;
  try {
    manifest = parseManifest(await readText(storage, manifestKey(id)), id);
  } catch (err) {
    // A missing or wrong key is not one backup's problem: every object is unreadable.
    if (isDbrollbackError(err) && (err.code === 'ENCRYPTION_KEY_MISSING' || err.code === 'ENCRYPTION_KEY_WRONG')) throw err;
    manifest = `manifest unreadable: ${(err as Error).message}`;
  }
  if (typeof manifest === 'string') return { ...base, status: 'invalid', problem: manifest };
  // Objects under this backup's own prefix must all be there (others, e.g. WAL, are checked by their owners).
  const missing = manifest.objects.filter((key) => key.startsWith(`${BACKUPS_PREFIX}${id}/`) && !names.includes(key));
  const listing: BackupListing = {
    id,
    kind: manifest.kind,
    createdAt: manifest.createdAt,
    sizeBytes: manifest.sizeBytes,
    sha256: manifest.sha256,
    migrationHead: manifest.migrationHead,
    migrator: manifest.migrator ?? null,
    ...(manifest.migrationHeadVersion ? { migrationHeadVersion: manifest.migrationHeadVersion } : {}),
    serverVersion: manifest.serverVersion,
    label: manifest.label,
    database: manifest.database,
    status: 'complete',
    verified: manifest.verified,
    objects: names,
    lastModified,
    ...(manifest.partial ? { partial: manifest.partial } : {}),
  };
  if (missing.length > 0) return { ...listing, status: 'invalid', problem: `object${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}` };
  return listing;
}

/** Parse and check a manifest; a string explains why it is not valid. */
export function parseManifest(text: string, id: string): BackupManifest | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'manifest is not valid JSON';
  }
  if (typeof data !== 'object' || data === null) return 'manifest is not an object';
  const m = data as Record<string, unknown>;
  if (m.version !== 1) return `unsupported manifest version ${JSON.stringify(m.version)}`;
  if (m.id !== id) return `manifest names backup ${JSON.stringify(m.id)}, not "${id}"`;
  if (m.kind !== 'logical' && m.kind !== 'base') return `unknown backup kind ${JSON.stringify(m.kind)}`;
  for (const key of ['createdAt', 'database', 'serverVersion', 'sha256'] as const) {
    if (typeof m[key] !== 'string') return `manifest field "${key}" is missing`;
  }
  if (typeof m.sizeBytes !== 'number' || !Number.isSafeInteger(m.sizeBytes) || m.sizeBytes < 0) return 'manifest field "sizeBytes" is not a size';
  if (!/^[0-9a-f]{64}$/.test(m.sha256 as string)) return 'manifest field "sha256" is not a sha256';
  if (!Array.isArray(m.objects) || m.objects.some((o) => typeof o !== 'string')) return 'manifest field "objects" must list storage keys';
  if (!Array.isArray(m.tables)) return 'manifest field "tables" is missing';
  if (m.partial !== undefined) {
    const p = m.partial as Record<string, unknown> | null;
    if (typeof p !== 'object' || p === null || !Array.isArray(p.tables) || p.tables.some((t) => typeof t !== 'string') || p.schema !== 'all') return 'manifest field "partial" must list the tables it covers';
  }
  return data as BackupManifest;
}

async function readText(storage: Storage, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await storage.get(key)) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    // A manifest is small; refuse to buffer something that is not one.
    if (size > 64 * 1024 * 1024) {
      throw new DbrollbackError('BACKUP_INCOMPLETE', `${key} in ${storage.url} is larger than 64 MiB, so it is not a manifest`, { hint: 'The object was replaced by something else: take a new backup, and check who writes to the storage.' });
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function newestFirst(a: BackupListing, b: BackupListing): number {
  return compareStrings(b.createdAt, a.createdAt) || compareStrings(b.id, a.id);
}
