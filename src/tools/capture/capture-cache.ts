/**
 * What running a code migration in a scratch database showed (its SQL, its
 * catalog diff, what its down sent) depends only on the code that ran and
 * the server it ran on. It is kept in a local cache directory, keyed by a
 * hash of exactly those inputs, so an unchanged history is not replayed by
 * every plan, undo and migrate.
 *
 * Why local and not the storage: `plan` and `status` must write nothing to
 * the storage (it holds backups and the audit trail, and may be read-only to
 * the person on call); the cache is derived data, cheap to lose, and read
 * ~300 times per command — a local read is what makes it pay.
 *
 * Why it cannot serve a stale capture: keys are content hashes of everything
 * that decides the result (capture-keys.ts); an entry is written under its
 * key in one rename, holds its own key and format version, and is ignored
 * (then replaced) when unreadable or inconsistent. Nothing is ever looked up
 * by name or time.
 *
 * Location: DBROLLBACK_CACHE_DIR, else $XDG_CACHE_HOME/dbrollback, else
 * ~/.cache/dbrollback; directories 0700, files 0600 (migration SQL may name
 * things a team keeps private). DBROLLBACK_CACHE_DIR=off disables it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, serverVersion } from '../../db/connection.js';
import { findBinary } from '../../pgtools/binaries.js';
import type { ScratchOptions } from './scratch.js';

/**
 * Bumped whenever what a capture records changes shape or meaning: older entries are then never read.
 * v2: catalog reads (TypeORM's queryRunner introspection) are no longer part of a migration's captured SQL.
 */
const FORMAT = 'dbrollback-capture-v2';

export interface CaptureCache {
  /** Where entries live (for messages). */
  readonly dir: string;
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
}

interface Entry {
  format: string;
  key: string;
  value: unknown;
}

/** The cache directory from the environment, or null when caching is turned off. */
export function captureCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const explicit = env.DBROLLBACK_CACHE_DIR;
  if (explicit === 'off' || explicit === '0' || explicit === 'false') return null;
  if (explicit) return path.resolve(explicit);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'dbrollback');
}

export function openCaptureCache(dir: string): CaptureCache {
  const root = path.join(dir, 'captures');
  const file = (key: string): string => {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`capture cache key must be a sha256 hex digest (got ${key})`);
    return path.join(root, key.slice(0, 2), `${key}.json`);
  };
  return {
    dir: root,
    async get<T>(key: string): Promise<T | undefined> {
      let text: string;
      try {
        text = await readFile(file(key), 'utf8');
      } catch {
        return undefined;
      }
      try {
        const entry = JSON.parse(text) as Entry;
        return entry.format === FORMAT && entry.key === key ? (entry.value as T) : undefined;
      } catch {
        // A damaged entry is a miss; the capture that follows writes a good one over it.
        return undefined;
      }
    },
    async put(key: string, value: unknown): Promise<void> {
      const target = file(key);
      let text: string;
      try {
        text = JSON.stringify({ format: FORMAT, key, value } satisfies Entry);
      } catch {
        return;
      }
      // Caching is an optimisation: a cache that cannot be written costs a replay next time, nothing else.
      const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, target);
      } catch {
        await unlink(tmp).catch(() => undefined);
      }
    },
  };
}

/** sha256 over the parts, each length-prefixed so no two lists of parts hash alike. */
export function hashParts(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  return hash.digest('hex');
}

/** The server major the captures run on (part of every cache key): the scratch server's, else the local initdb's. */
export async function scratchMajor(scratch: ScratchOptions | undefined): Promise<number> {
  if (!scratch?.server) return (await findBinary('initdb')).major;
  const db = await connect(scratch.server);
  try {
    return (await serverVersion(db)).major;
  } finally {
    await db.end().catch(() => undefined);
  }
}

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb'];

/** The nearest lockfile's hash: the versions of the tool, the ORM and the driver that produced the SQL. */
export async function lockfileHash(from: string): Promise<string> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    for (const name of LOCKFILES) {
      const bytes = await readFile(path.join(dir, name)).catch(() => undefined);
      if (bytes) return hashParts([name, createHash('sha256').update(bytes).digest('hex')]);
    }
    if (path.dirname(dir) === dir) return 'no-lockfile';
  }
}
