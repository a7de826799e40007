/**
 * The markers directory behind wal-push ahead, `pg_wal/dbrollback-pushed`:
 * `<name>` records a file stored ahead of the server's call for it (`SIZE
 * INODE MTIME` of that very file, as `stat -c '%s %i %Y'` prints them, so it
 * never vouches for other bytes under the same name); `.claim-<name>` holds
 * the pid of the process pushing that file right now (the detached pusher,
 * or the server's own wal-push), so no two push it at once; `.pusher.lock`
 * is the detached pusher's; `pusher.log` is its log.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '../../storage/contract.js';
import { parseWalName, walKey } from './layout.js';

export const PUSHED_DIR = 'dbrollback-pushed';
export const PUSHER_LOCK = '.pusher.lock';
export const PUSHER_LOG = 'pusher.log';
export const CLAIM_PREFIX = '.claim-';
const TEMP_PREFIX = '.tmp-';

export function markersDir(walDir: string): string {
  return path.join(walDir, PUSHED_DIR);
}

export function claimFile(markers: string, name: string): string {
  return path.join(markers, `${CLAIM_PREFIX}${name}`);
}

/** `SIZE INODE MTIME` of a file, as `stat -c '%s %i %Y'` prints them. */
export async function fileIdentity(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return `${s.size} ${s.ino} ${s.mtimeMs / 1000n}`;
}

/** The marker names this very file, and the object is in the storage. */
export async function markerHolds(storage: Storage, markers: string, name: string, file: string): Promise<boolean> {
  const [recorded, actual] = await Promise.all([
    readFile(path.join(markers, name), 'utf8').catch(() => null),
    fileIdentity(file).catch(() => null),
  ]);
  if (recorded === null || actual === null || recorded.trim() !== actual) return false;
  const parsed = parseWalName(name);
  return parsed !== null && (await storage.stat(walKey(parsed))) !== null;
}

export async function writeMarker(markers: string, name: string, identity: string): Promise<void> {
  const temp = path.join(markers, `${TEMP_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
  await writeFile(temp, `${identity}\n`, { mode: 0o600 });
  await rename(temp, path.join(markers, name));
}

/** The WAL files with a marker. */
export async function markedFiles(markers: string): Promise<Set<string>> {
  return new Set((await readdir(markers).catch(() => [] as string[])).filter((e) => parseWalName(e) !== null));
}

/** The WAL files PostgreSQL has marked ready, in the order it archives them (history files first, then oldest first); null without an archive_status directory. */
export async function readyFiles(walDir: string): Promise<string[] | null> {
  const entries = await readdir(path.join(walDir, 'archive_status')).catch(() => null);
  if (entries === null) return null;
  const names = entries.filter((e) => e.endsWith('.ready')).map((e) => e.slice(0, -'.ready'.length)).filter((n) => parseWalName(n) !== null);
  const rank = (n: string) => (parseWalName(n)!.kind === 'history' ? 0 : 1);
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export async function stillReady(walDir: string, name: string): Promise<boolean> {
  return stat(path.join(walDir, 'archive_status', `${name}.ready`)).then(() => true, () => false);
}

/**
 * A marker whose file is no longer waiting to be archived will never be asked about; a temp marker is
 * left by a pusher that died (only the pusher, holding its lock, writes markers).
 */
export async function dropStale(markers: string, ready: Set<string>): Promise<void> {
  for (const entry of await readdir(markers).catch(() => [] as string[])) {
    const stale = parseWalName(entry) !== null ? !ready.has(entry) : entry.startsWith(TEMP_PREFIX);
    if (stale) await unlink(path.join(markers, entry)).catch(() => undefined);
  }
}
