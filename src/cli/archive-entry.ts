/**
 * The short way in for archive_command and restore_command. PostgreSQL runs
 * `wal-push` once per 16 MB segment and `wal-fetch` once per segment of
 * recovery, so start-up is paid thousands of times: this entry loads only the
 * WAL code and the storage driver (not commander, the config loader, and
 * every other command — 0.1–0.2 s per call on the development machine).
 * It takes the plain forms PostgreSQL's settings use; anything else (a config
 * file, --json, --help, an unknown flag) returns null and the full program
 * handles it, with identical results. It imports modules directly rather than
 * the public API (src/index.ts) for the same reason.
 *
 * The storage is opened exactly as every command opens it: the URL, and the
 * encryption key from --encryption-key-file or the DBROLLBACK_ENCRYPTION_*
 * variables (encryptionKeySources), so a segment is never stored in the clear
 * in an encrypted storage, nor pushed without the key into one.
 */
import { access } from 'node:fs/promises';
import { DbrollbackError, EXIT, exitCodeOf, isDbrollbackError } from '../errors.js';
import { scrub } from '../secrets/redact.js';
import { checkPauseHook } from '../audit/fault-point.js';
import { openStorage } from '../storage/open-storage.js';
import { childStorageAccess } from '../storage/child-access.js';
import { encryptionKeySources, loadEncryptionKey } from '../storage/encryption-key.js';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { walFetch } from '../backup/wal/wal-fetch.js';
import { walPushAhead } from '../backup/wal/wal-push-ahead.js';
import { runPusher } from '../backup/wal/wal-pusher.js';
import { PUSHED_DIR, PUSHER_LOG } from '../backup/wal/push-markers.js';
import { selfPusherWorker } from './pusher-worker.js';
import { CONFIG_FILE_NAMES } from '../run/config-files.js';
import { selfPrefetchWorker } from './prefetch-worker.js';

interface Parsed {
  command: 'wal-push' | 'wal-fetch';
  positional: string[];
  storage: string | undefined;
  keyFile: string | undefined;
  prefetch: number | undefined;
  ahead: number | undefined;
  /** Run as wal-push's detached pusher (the positional is the pg_wal directory). */
  pusher: boolean;
  spool: string | undefined;
  verbose: boolean;
}

/** The exit code, or null when the full program must handle this command line. */
export async function runArchiveCommand(argv: string[]): Promise<number | null> {
  const parsed = parse(argv);
  if (!parsed) return null;
  const storageUrl = parsed.storage ?? (process.env.DBROLLBACK_STORAGE || undefined);
  // A config file may name the storage or be broken: the full program reads and reports it.
  if (!storageUrl || (await configFilePresent())) return null;
  const say = (line: string) => void process.stderr.write(`${scrub(line)}\n`);
  // A push's work is zlib's and OpenSSL's: V8's optimising compiler would add its code and compile memory to the
  // peak RSS the database host pays per segment (≈ 4 MB of 53 on a poorly compressible segment), and no speed.
  if (parsed.command === 'wal-push') v8.setFlagsFromString('--no-opt');
  const gc = parsed.command === 'wal-push' ? collector() : undefined;
  const collect = gc && (() => gc({ type: 'minor' }));
  let storage;
  try {
    const pauseWarning = checkPauseHook();
    if (pauseWarning !== null) say(pauseWarning);
    const key = await loadEncryptionKey(encryptionKeySources(process.env, parsed.keyFile !== undefined ? { path: path.resolve(parsed.keyFile), source: '--encryption-key-file' } : undefined));
    if (key.problems.length > 0) {
      throw new DbrollbackError('CONFIG_INVALID', `invalid configuration:\n  - ${key.problems.join('\n  - ')}`, { hint: 'Fix the flags/environment named above, then run again.', details: { problems: key.problems } });
    }
    storage = openStorage(storageUrl, key.key ? { encryption: key.key } : {});
    if (parsed.command === 'wal-push' && parsed.pusher) {
      await runPusher(storage, parsed.positional[0]!, { collect, collectAll: gc && (() => gc()) });
      return EXIT.ok;
    }
    if (parsed.command === 'wal-push') {
      const pusher = selfPusherWorker(childStorageAccess(storage));
      const result = await walPushAhead(storage, parsed.positional[0]!, { collect, pusher, ...(parsed.ahead !== undefined ? { ahead: parsed.ahead } : {}) });
      const pushed = result.pushed;
      if (parsed.verbose && pushed) say(`${pushed.created ? 'archived' : 'already archived (identical)'} ${pushed.name}: ${pushed.size} → ${pushed.storedSize} bytes, ${storage.url}`);
      if (parsed.verbose && !pushed) say(`already archived by an earlier wal-push: ${parsed.positional[0]!}`);
      if (parsed.verbose && result.pusher) say(`the other ready files are pushed by a detached pusher (${result.pusher}); see pg_wal/${PUSHED_DIR}/${PUSHER_LOG}`);
      return EXIT.ok;
    }
    const [name, dest] = parsed.positional as [string, string];
    const fetched = await walFetch(storage, name, dest, { spoolDir: parsed.spool, prefetch: parsed.prefetch, worker: selfPrefetchWorker(childStorageAccess(storage)) });
    if (parsed.verbose) say(`restored ${fetched.name} (${fetched.size} bytes${fetched.fromSpool ? ', prefetched' : ''}) to ${fetched.dest}`);
    return EXIT.ok;
  } catch (err) {
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    if (isDbrollbackError(err) && err.hint) say(`hint: ${err.hint}`);
    if (parsed.command === 'wal-push') return exitCodeOf(err);
    return isDbrollbackError(err) && err.code === 'WAL_NOT_FOUND' ? EXIT.failed : EXIT.archiveUnavailable;
  } finally {
    await storage?.close().catch(() => undefined);
  }
}

/**
 * V8's collector, when this Node lets us have it (one new context for it: each costs memory). wal-push runs
 * as a process of its own per segment, and without a young-generation collection now and then the Buffers a
 * 16 MB segment passes through (20–30 MB) stay allocated until the process ends; a minor collection costs a
 * millisecond or two. The pusher also runs a full one (`gc()`: Node 20's V8 ignores `{ type: 'major' }`) after each segment (PusherOptions.collectAll).
 */
function collector(): ((options?: { type: 'minor' }) => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as (options?: { type: 'minor' }) => void;
  } catch {
    return undefined;
  }
}

function parse(argv: string[]): Parsed | null {
  const [command, ...rest] = argv;
  if (command !== 'wal-push' && command !== 'wal-fetch') return null;
  const out: Parsed = { command, positional: [], storage: undefined, keyFile: undefined, prefetch: undefined, ahead: undefined, pusher: false, spool: undefined, verbose: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => rest[++i];
    if (arg === '--storage') out.storage = value();
    else if (arg === '--encryption-key-file') out.keyFile = value();
    else if (arg === '--verbose') out.verbose = true;
    else if (command === 'wal-fetch' && arg === '--spool') out.spool = value();
    else if (command === 'wal-push' && arg === '--pusher') out.pusher = true;
    else if (command === 'wal-push' && arg === '--ahead') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 256) return null;
      out.ahead = Number(v);
    }
    else if (command === 'wal-fetch' && arg === '--prefetch') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 64) return null;
      out.prefetch = Number(v);
    } else if (arg.startsWith('-')) return null;
    else out.positional.push(arg);
  }
  if (out.storage === '' || out.spool === '' || out.keyFile === '') return null;
  return out.positional.length === (command === 'wal-push' ? 1 : 2) ? out : null;
}

async function configFilePresent(): Promise<boolean> {
  for (const name of CONFIG_FILE_NAMES) {
    if (await access(name).then(() => true, () => false)) return true;
  }
  return false;
}
