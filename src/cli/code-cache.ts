/**
 * Loading the CLI's program with V8's code cache.
 *
 * Node spends ~60–80 ms of every command compiling the ~2.8 MB program before
 * it runs a line of it, and Node 20 cannot cache that (`module.enableCompileCache`
 * needs Node 22.1; `engines` allows 20.11). So the program is built as one
 * script — a function expression, not a module: `vm.Script` compiles scripts
 * only, and a script's `import()` fails in Node 20 unless the loader passes it
 * an importer, which the build routes every `import()` through — and compiled
 * here with the bytecode V8 produced for the same command's earlier run.
 *
 * The cache is an optimisation and nothing else: any problem with it (absent,
 * unreadable, corrupt, from another build, Node or V8 flags, a directory that
 * is not this user's or not writable) means a normal compile and, where
 * allowed, a fresh cache; it never fails a command and never prints a word.
 *
 * Where: `code-cache/` in `$DBROLLBACK_CACHE_DIR`, else in
 * `$XDG_CACHE_HOME/dbrollback`, else in `~/.cache/dbrollback` (where `plan`
 * keeps its captures); `DBROLLBACK_CODE_CACHE=off` turns it off (and
 * `DBROLLBACK_CACHE_DIR=off`, every cache). One file per command (`backup`,
 * `classify`, ...: the bytecode a command needs is what its own run compiled),
 * named by the program's build hash, so an upgrade never reads an old file;
 * files of other builds are removed once they are a week old.
 *
 * Safety: bytecode is code, so a cache is read only from a directory and a
 * file owned by this user and writable by no one else, and its payload must
 * match the sha256 in its header (V8 itself checks the V8 version, flags and
 * source length, not the bytes). A file is written to a temporary name,
 * fsynced and renamed: concurrent commands never read half a file, and the
 * last writer wins with an equally good cache.
 */
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Script } from 'node:vm';

/** File header: magic, version, one flag byte (1 = written by a run that exited 0), then the payload's sha256. */
const MAGIC = Buffer.from('DBRCC1');
const HEADER_BYTES = MAGIC.length + 1 + 32;
/** Caches of other builds are removed once untouched this long (another installed version may still use its own). */
const STALE_MS = 7 * 24 * 3600 * 1000;

/** How the program was compiled: with a cache V8 accepted, one it rejected, or none (absent, unusable, or caching off). */
export type CacheOutcome = 'accepted' | 'rejected' | 'none' | 'off';

export interface LoadedProgram {
  /** The program script's exports (src/cli/entry.ts). */
  exports: Record<string, unknown>;
  outcome: CacheOutcome;
  /** The cache file this command reads and writes, or null when caching is off. */
  cacheFile: string | null;
  /**
   * Called once the command is done: writes the cache when there was none
   * usable, or when the one used came from a failed run and this one
   * succeeded (a failed run compiles less). Never throws.
   */
  save(succeeded: boolean): boolean;
}

export interface ProgramFile {
  /** Absolute path of the program script (a function expression taking the CommonJS arguments and an importer). */
  path: string;
  /** The build's content hash of that script. */
  hash: string;
}

/**
 * The cache directory for this environment, or null when caching is off: `code-cache` in dbrollback's cache
 * directory — the one `plan`'s capture cache uses (src/tools/capture/capture-cache.ts; not imported: the loader
 * loads Node's built-ins only) — turned off by `DBROLLBACK_CACHE_DIR=off` (every cache) or `DBROLLBACK_CODE_CACHE=off`.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const off = (v: string | undefined) => v !== undefined && /^(off|0|false|no|none)$/i.test(v.trim());
  if (off(env.DBROLLBACK_CODE_CACHE) || off(env.DBROLLBACK_CACHE_DIR)) return null;
  const explicit = env.DBROLLBACK_CACHE_DIR?.trim();
  if (explicit) return path.join(path.resolve(explicit), 'code-cache');
  let base: string;
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) {
    base = env.XDG_CACHE_HOME;
  } else {
    let home: string;
    try {
      home = os.homedir();
    } catch {
      return null;
    }
    if (!home || !path.isAbsolute(home)) return null;
    base = path.join(home, '.cache');
  }
  return path.join(base, 'dbrollback', 'code-cache');
}

/**
 * The cache file for one command of one build: the first word of the command
 * line when it looks like a command name, and a digest of what else makes V8
 * reject a cache (Node and V8 versions, architecture, Node's flags) and of the
 * program file's size and time (a file edited in place is a new program).
 */
export function codeCacheName(program: ProgramFile, argv: readonly string[], info: Pick<Stats, 'size' | 'mtimeMs'>, env: NodeJS.ProcessEnv = process.env): string {
  const first = argv[0] ?? '';
  const command = /^[a-z][a-z-]{0,31}$/.test(first) ? first : 'other';
  const runtime = createHash('sha256')
    .update(JSON.stringify([process.version, process.versions.v8, process.arch, process.execArgv, env.NODE_OPTIONS ?? '', info.size, info.mtimeMs]))
    .digest('hex')
    .slice(0, 12);
  return `${program.hash}-${command}-${runtime}.bin`;
}

/** A cache file's payload and whether a successful run wrote it, or null when it is absent or unusable. */
export function readCodeCache(file: string): { data: Buffer; complete: boolean } | null {
  let fd: number;
  try {
    if (!privateToMe(statSync(path.dirname(file)))) return null;
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    if (!privateToMe(fstatSync(fd))) return null;
    const bytes = readFileSync(fd);
    if (bytes.length <= HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
    const data = bytes.subarray(HEADER_BYTES);
    const digest = createHash('sha256').update(data).digest();
    if (!digest.equals(bytes.subarray(MAGIC.length + 1, HEADER_BYTES))) return null;
    return { data, complete: bytes[MAGIC.length] === 1 };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Write a cache file (temporary name, fsync, rename); false when it could not be written. Never throws. */
export function writeCodeCache(file: string, data: Buffer, complete: boolean, now = Date.now()): boolean {
  const dir = path.dirname(file);
  if (!ensurePrivateDir(dir)) return false;
  const temp = path.join(dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      MAGIC.copy(header);
      header[MAGIC.length] = complete ? 1 : 0;
      createHash('sha256').update(data).digest().copy(header, MAGIC.length + 1);
      writeAll(fd, header);
      writeAll(fd, data);
      // A crash must not leave a torn file under the real name: V8 checks a cache's length, not its bytes.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was created
    }
    return false;
  }
  removeStale(dir, path.basename(file).split('-')[0]!, now);
  return true;
}

/**
 * Compile and evaluate the program script, with the command's cache when there
 * is a usable one. The script is a function expression; it is called with the
 * CommonJS arguments and `importer`, the `import()` of the loader's module.
 */
export function loadProgram(program: ProgramFile, argv: readonly string[], importer: (specifier: string) => Promise<unknown>, env: NodeJS.ProcessEnv = process.env): LoadedProgram {
  const fd = openSync(program.path, 'r');
  let source: string;
  let info: Stats;
  try {
    info = fstatSync(fd);
    // The build makes the script ASCII, so latin1 decodes it exactly and ~3 times faster than UTF-8.
    source = readFileSync(fd, 'latin1');
  } finally {
    closeSync(fd);
  }
  const dir = codeCacheDir(env);
  const cacheFile = dir ? path.join(dir, codeCacheName(program, argv, info, env)) : null;
  const cached = cacheFile ? readCodeCache(cacheFile) : null;
  const script = new Script(source, { filename: program.path, ...(cached ? { cachedData: cached.data } : {}) });
  const outcome: CacheOutcome = !cacheFile ? 'off' : !cached ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string, importer: (specifier: string) => Promise<unknown>) => void;
  const module = { exports: {} as Record<string, unknown> };
  wrapper.call(module.exports, module.exports, createRequire(program.path), module, program.path, path.dirname(program.path), importer);
  let saved = false;
  return {
    exports: module.exports,
    outcome,
    cacheFile,
    save(succeeded) {
      if (!cacheFile || saved) return false;
      if (outcome === 'accepted' && (cached!.complete || !succeeded)) return false;
      saved = true;
      try {
        // After the run: the cache then holds every function this command compiled, not only the top level.
        return writeCodeCache(cacheFile, script.createCachedData(), succeeded);
      } catch {
        return false;
      }
    },
  };
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Owned by this user and writable by no one else (no owner on Windows: nothing to check). */
function privateToMe(info: Stats): boolean {
  const uid = process.getuid?.();
  return uid === undefined || (info.uid === uid && (info.mode & 0o022) === 0);
}

/**
 * The cache directory exists and is this user's own: created (0700) where
 * missing, but only inside a directory this user owns, so a command run as
 * root with another user's HOME never leaves root-owned directories there.
 */
function ensurePrivateDir(dir: string): boolean {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    let info: Stats;
    try {
      info = statSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
      const parent = path.dirname(at);
      if (parent === at) return false;
      missing.unshift(at);
      at = parent;
      continue;
    }
    if (!info.isDirectory()) return false;
    const uid = process.getuid?.();
    if (missing.length === 0) return privateToMe(info);
    if (uid !== undefined && info.uid !== uid) return false;
    break;
  }
  try {
    for (const d of missing) mkdirSync(d, { mode: 0o700 });
  } catch {
    return false;
  }
  return true;
}

/** Remove other builds' cache files (and abandoned temporary files) untouched for a week. */
function removeStale(dir: string, buildHash: string, now: number): void {
  try {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${buildHash}-`)) continue;
      const file = path.join(dir, name);
      try {
        if (now - statSync(file).mtimeMs > STALE_MS) unlinkSync(file);
      } catch {
        // removed meanwhile, or not ours to remove
      }
    }
  } catch {
    // an unreadable directory keeps its files
  }
}
