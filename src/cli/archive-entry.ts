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
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, exitCodeOf, isDbrollbackError } from '../errors.js';
import { scrub } from '../secrets/redact.js';
import { openStorage } from '../storage/open-storage.js';
import { loadEncryptionKey } from '../storage/encryption-key.js';
import { walFetch } from '../backup/wal/wal-fetch.js';
import { walPush } from '../backup/wal/wal-push.js';
import { CONFIG_FILE_NAMES } from '../run/config-files.js';
import { selfPrefetchWorker } from './prefetch-worker.js';

interface Parsed {
  command: 'wal-push' | 'wal-fetch';
  positional: string[];
  storage: string | undefined;
  prefetch: number | undefined;
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
  // The storage's key from the environment, exactly as the full program reads it: without it a
  // push would write plaintext WAL into an encrypted storage (or be refused by it).
  const encryption = await loadEncryptionKey({
    key: process.env.DBROLLBACK_ENCRYPTION_KEY || undefined,
    keyFile: process.env.DBROLLBACK_ENCRYPTION_KEY_FILE ? { path: path.resolve(process.env.DBROLLBACK_ENCRYPTION_KEY_FILE), source: 'DBROLLBACK_ENCRYPTION_KEY_FILE' } : undefined,
    passphrase: process.env.DBROLLBACK_ENCRYPTION_PASSPHRASE || undefined,
  });
  // A key that cannot be used: the full program reports it, with its exit code.
  if (encryption.problems.length > 0) return null;
  const say = (line: string) => void process.stderr.write(`${scrub(line)}\n`);
  let storage;
  try {
    storage = openStorage(storageUrl, encryption.key ? { encryption: encryption.key } : {});
    if (parsed.command === 'wal-push') {
      const pushed = await walPush(storage, parsed.positional[0]!);
      if (parsed.verbose) say(`${pushed.created ? 'archived' : 'already archived (identical)'} ${pushed.name}: ${pushed.size} → ${pushed.storedSize} bytes, ${storage.url}`);
      return EXIT.ok;
    }
    const [name, dest] = parsed.positional as [string, string];
    const fetched = await walFetch(storage, name, dest, { spoolDir: parsed.spool, prefetch: parsed.prefetch, worker: selfPrefetchWorker(storageUrl) });
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

function parse(argv: string[]): Parsed | null {
  const [command, ...rest] = argv;
  if (command !== 'wal-push' && command !== 'wal-fetch') return null;
  const out: Parsed = { command, positional: [], storage: undefined, prefetch: undefined, spool: undefined, verbose: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => rest[++i];
    if (arg === '--storage') out.storage = value();
    else if (arg === '--verbose') out.verbose = true;
    else if (command === 'wal-fetch' && arg === '--spool') out.spool = value();
    else if (command === 'wal-fetch' && arg === '--prefetch') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 64) return null;
      out.prefetch = Number(v);
    } else if (arg.startsWith('-')) return null;
    else out.positional.push(arg);
  }
  if (out.storage === '' || out.spool === '') return null;
  return out.positional.length === (command === 'wal-push' ? 1 : 2) ? out : null;
}

async function configFilePresent(): Promise<boolean> {
  for (const name of CONFIG_FILE_NAMES) {
    if (await access(name).then(() => true, () => false)) return true;
  }
  return false;
}
