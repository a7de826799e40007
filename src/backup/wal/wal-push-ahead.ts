/**
 * wal-push ahead of the server: one `wal-push` also pushes the other WAL
 * files PostgreSQL has already marked ready (`pg_wal/archive_status/*.ready`),
 * a few in parallel, and records each one stored with a marker in
 * `pg_wal/dbrollback-pushed/<name>`. The server's next calls for those files
 * find the marker and return at once — in the shell alone with the
 * archive_command `archiveCommandWithMarkers` writes, or in wal-push — as
 * pgBackRest's asynchronous archive-push does, without a Node start-up and a
 * compression per segment when archiving keeps up.
 *
 * The contract is wal-push's: a marker is written only once the storage
 * holds the object (created, or already there with identical content), and a
 * file that could not be pushed ahead gets no marker, so the server's own
 * call pushes it and reports what is wrong. A marker names the very file it
 * was made for — `SIZE INODE MTIME` as `stat -c '%s %i %Y'` prints them — so
 * it never vouches for other bytes under the same name.
 */
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Storage } from '../../storage/contract.js';
import { checkWalName, parseWalName, walKey } from './layout.js';
import { walPush, type WalPushOptions, type WalPushResult } from './wal-push.js';

export const PUSHED_DIR = 'dbrollback-pushed';
/** Files pushed per invocation besides the one asked for (256 MB of WAL at most). */
export const DEFAULT_PUSH_AHEAD = 16;
/** Parallel pushes: pgBackRest's process-max for async archiving on a small host. */
export const DEFAULT_PUSH_CONCURRENCY = 2;

export interface PushAheadOptions extends WalPushOptions {
  /** Other ready files to push in this invocation (0: only the one asked for). */
  ahead?: number;
  concurrency?: number;
}

export interface PushAheadResult {
  /** The file asked for. */
  pushed: WalPushResult | null;
  /** It had been pushed by an earlier invocation (its marker matched and the storage holds the object). */
  fromMarker: boolean;
  /** Other ready files stored (and marked) by this invocation. */
  ahead: string[];
  /** Other ready files that could not be pushed ahead (the server's own call will push them, and report). */
  failedAhead: Array<{ name: string; error: string }>;
}

/** `SIZE INODE MTIME` of a file, as `stat -c '%s %i %Y'` prints them. */
export async function fileIdentity(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return `${s.size} ${s.ino} ${s.mtimeMs / 1000n}`;
}

export async function walPushAhead(storage: Storage, file: string, options: PushAheadOptions = {}): Promise<PushAheadResult> {
  const name = checkWalName(path.basename(file)).name;
  const walDir = path.dirname(file);
  const markers = path.join(walDir, PUSHED_DIR);
  const statusDir = path.join(walDir, 'archive_status');

  // Pushed by an earlier invocation: the marker names this very file, and the object is in the storage.
  if (await markerHolds(storage, markers, name, file)) {
    await unlink(path.join(markers, name)).catch(() => undefined);
    return { pushed: null, fromMarker: true, ahead: [], failedAhead: [] };
  }
  const ready = (options.ahead ?? DEFAULT_PUSH_AHEAD) > 0 ? await readyFiles(statusDir) : null;
  if (ready === null) return { pushed: await walPush(storage, file, options), fromMarker: false, ahead: [], failedAhead: [] };

  await mkdir(markers, { recursive: true, mode: 0o700 });
  await dropStale(markers, new Set(ready));
  const already = new Set(await readdir(markers));
  const others = ready.filter((n) => n !== name && !already.has(n)).slice(0, options.ahead ?? DEFAULT_PUSH_AHEAD);
  const queue = [name, ...others];
  const ahead: string[] = [];
  const failedAhead: PushAheadResult['failedAhead'] = [];
  let own: { result: WalPushResult } | { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? DEFAULT_PUSH_CONCURRENCY, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const target = path.join(walDir, next);
        if (next === name) {
          own = await walPush(storage, target, options).then((result) => ({ result }), (error: unknown) => ({ error }));
          continue;
        }
        try {
          // The identity is taken before the push: a file changed meanwhile no longer matches its marker.
          const identity = await fileIdentity(target);
          await walPush(storage, target, options);
          await writeMarker(markers, next, identity);
          ahead.push(next);
        } catch (err) {
          failedAhead.push({ name: next, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }),
  );
  if (!own) throw new Error(`wal-push: ${name} was not pushed`);
  if ('error' in own) throw own.error;
  return { pushed: own.result, fromMarker: false, ahead, failedAhead };
}

async function markerHolds(storage: Storage, markers: string, name: string, file: string): Promise<boolean> {
  const [recorded, actual] = await Promise.all([
    readFile(path.join(markers, name), 'utf8').catch(() => null),
    fileIdentity(file).catch(() => null),
  ]);
  if (recorded === null || actual === null || recorded.trim() !== actual) return false;
  const parsed = parseWalName(name);
  return parsed !== null && (await storage.stat(walKey(parsed))) !== null;
}

/** The WAL files PostgreSQL has marked ready, in the order it archives them (history files first, then oldest first); null without an archive_status directory. */
async function readyFiles(statusDir: string): Promise<string[] | null> {
  const entries = await readdir(statusDir).catch(() => null);
  if (entries === null) return null;
  const names = entries.filter((e) => e.endsWith('.ready')).map((e) => e.slice(0, -'.ready'.length)).filter((n) => parseWalName(n) !== null);
  const rank = (n: string) => (parseWalName(n)!.kind === 'history' ? 0 : 1);
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A marker whose file is no longer waiting to be archived will never be asked about. */
async function dropStale(markers: string, ready: Set<string>): Promise<void> {
  for (const entry of await readdir(markers).catch(() => [] as string[])) {
    if (!ready.has(entry)) await unlink(path.join(markers, entry)).catch(() => undefined);
  }
}

async function writeMarker(markers: string, name: string, identity: string): Promise<void> {
  const temp = path.join(markers, `.tmp-${name}-${randomBytes(4).toString('hex')}`);
  await writeFile(temp, `${identity}\n`, { mode: 0o600 });
  await rename(temp, path.join(markers, name));
}

/**
 * The archive_command (as written in postgresql.conf: a literal % doubled) that answers from a marker in
 * the shell and runs `wal-push` only otherwise:
 * `test -f M/%f && test "$(cat M/%f)" = "$(stat -c '%s %i %Y' %p)" && rm -f M/%f || WAL_PUSH`. The marker
 * is removed once used; anything else — no marker, another file under the name — is wal-push's to decide.
 */
export function archiveCommandWithMarkers(walPushCommand: string): string {
  const marker = `pg_wal/${PUSHED_DIR}/%f`;
  return `test -f ${marker} && test "$(cat ${marker})" = "$(stat -c '%%s %%i %%Y' %p)" && rm -f ${marker} || ${walPushCommand}`;
}
