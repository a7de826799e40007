/**
 * A base backup's tar stream written into DIR by this process: tar-stream
 * parses the archive (ustar, pax and GNU long names), and each file is written
 * with several writes in flight at once — libuv's threadpool does them, across
 * files — where a `tar -x` behind a pipe wrote one file after the other. Each
 * entry keeps the archive's permission bits (never set-user-ID, set-group-ID or sticky: no data directory holds them); with `owner` (a restore run as root) every
 * entry is chowned to the server's OS user, as `runuser -u postgres tar -x`
 * made it.
 *
 * Nothing is written outside DIR: an absolute name, a `..` component, or a
 * name under a symlink the archive itself created is refused (the symlink
 * itself is kept as the archive has it: its target is the server's business,
 * as it was for tar). Files are created with O_EXCL, so nothing already there
 * (a symlink included) is ever written through. Entries a base backup never
 * holds (hard links, devices, FIFOs) are refused too.
 */
import { lchown, lstat, mkdir, open, symlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { extract, type Extract, type Header } from 'tar-stream';

/**
 * Bytes of file data handed to the threadpool and not yet written. Enough to keep libuv's four threads busy
 * across several small files; small enough that a slow disk holds the inflate back instead of memory filling up.
 */
const WRITE_BUDGET = 32 * 1024 * 1024;

type EntryStream = AsyncIterable<Buffer> & { resume: () => unknown };

export class UnsafeEntryError extends Error {
  constructor(
    readonly entry: string,
    why: string,
  ) {
    super(`the archive's entry ${JSON.stringify(entry)} ${why}`);
    this.name = 'UnsafeEntryError';
  }
}

export interface TarWriter {
  /** The tar stream goes in here. */
  input: Extract;
  /**
   * Resolves once every file the stream held is written and closed; rejects with the first failure. Also to be
   * awaited after the stream failed: no write is still in flight (nor a file about to appear) once it settles.
   */
  settled: () => Promise<void>;
  /** Files written so far (directories and symlinks not counted). */
  files: () => number;
}

export function tarWriter(dir: string, options: { owner?: readonly [number, number] | undefined } = {}): TarWriter {
  const owner = options.owner;
  const input = extract();
  const symlinks = new Set<string>();
  const madeDirs = new Set<string>(['']);
  const pending = new Set<Promise<void>>();
  let failure: unknown = null;
  let inFlight = 0;
  let written = 0;
  const waiting: Array<() => void> = [];
  const release = (bytes: number) => {
    inFlight -= bytes;
    while (waiting.length > 0 && inFlight < WRITE_BUDGET) waiting.shift()!();
  };
  const fail = (err: unknown) => {
    failure ??= err;
    // Anyone held back by the budget goes on (and stops at the failure).
    while (waiting.length > 0) waiting.shift()!();
  };

  /** Parents the archive did not list (or listed later) are made 0700, as PostgreSQL makes its own. */
  const ensureParent = async (relative: string) => {
    const parent = path.posix.dirname(relative);
    if (parent === '.' || madeDirs.has(parent)) return;
    await mkdir(path.join(dir, parent), { recursive: true, mode: 0o700 });
    madeDirs.add(parent);
  };

  const writeFile = async (relative: string, header: Header, stream: AsyncIterable<Buffer>) => {
    await ensureParent(relative);
    // O_EXCL: a name already there — a symlink included — is never written through.
    const file = await open(path.join(dir, relative), 'wx', header.mode & 0o777);
    const writes: Array<Promise<void>> = [];
    let position = 0;
    let streamed = false;
    try {
      if (owner) await file.chown(...owner);
      for await (const chunk of stream) {
        if (failure) break;
        const at = position;
        position += chunk.length;
        inFlight += chunk.length;
        writes.push(file.write(chunk, 0, chunk.length, at).then(() => release(chunk.length), (err: unknown) => (release(chunk.length), Promise.reject(err))));
        if (inFlight >= WRITE_BUDGET) await new Promise<void>((resolve) => waiting.push(resolve));
      }
      streamed = true;
    } finally {
      // The file's writes finish in the background while the next entries are read; its close waits for them.
      const closing = finish(file, writes, streamed ? header.mtime : null);
      pending.add(closing);
      closing.then(
        () => {
          written++;
        },
        fail,
      ).finally(() => pending.delete(closing));
    }
  };

  const entry = async (header: Header, stream: EntryStream) => {
    const relative = safeName(header.name);
    if (relative !== '' && [...prefixes(relative)].some((p) => symlinks.has(p))) throw new UnsafeEntryError(header.name, 'lies under a symbolic link the archive created earlier: refused, it could write outside the data directory');
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        if (relative === '') throw new UnsafeEntryError(header.name, 'is a file where the data directory itself should be');
        return writeFile(relative, header, stream);
      case 'directory':
        stream.resume();
        // DIR itself already has its mode and owner.
        if (relative === '') return;
        await ensureParent(relative);
        await mkdir(path.join(dir, relative), { mode: header.mode & 0o777 }).catch(async (err: NodeJS.ErrnoException) => {
          // Listed twice, or made above as a parent: fine if a directory (never a symlink) is there.
          if (err.code !== 'EEXIST' || !(await lstat(path.join(dir, relative))).isDirectory()) throw err;
        });
        madeDirs.add(relative);
        if (owner) await lchown(path.join(dir, relative), ...owner);
        return;
      case 'symlink':
        stream.resume();
        if (relative === '') throw new UnsafeEntryError(header.name, 'is a symbolic link where the data directory itself should be');
        await ensureParent(relative);
        await symlink(header.linkname, path.join(dir, relative));
        symlinks.add(relative);
        if (owner) await lchown(path.join(dir, relative), ...owner);
        return;
      default:
        throw new UnsafeEntryError(header.name, `is a ${header.type}, which a base backup never holds: refused`);
    }
  };

  input.on('entry', (header, stream, next) => {
    if (failure) {
      next(failure as Error);
      return;
    }
    // tar-stream's types leave streamx's chunks untyped: they are Buffers.
    const work = entry(header, stream as unknown as EntryStream).then(
      () => next(failure as Error | null),
      (err: unknown) => {
        fail(err);
        stream.resume();
        next(err as Error);
      },
    );
    // Tracked like a file's close: a file being opened when the stream fails is settled too.
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });

  return {
    input,
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      if (failure) throw failure;
    },
    files: () => written,
  };
}

/** Waits for the file's writes, sets its modification time as tar did, and closes it (always). */
async function finish(file: FileHandle, writes: Array<Promise<void>>, mtime: Date | null): Promise<void> {
  try {
    const results = await Promise.allSettled(writes);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (mtime) await file.utimes(mtime, mtime);
  } finally {
    await file.close();
  }
}

/** The entry's name relative to DIR ('' for DIR itself), or UnsafeEntryError for one that could leave it. */
export function safeName(name: string): string {
  if (name.startsWith('/')) throw new UnsafeEntryError(name, 'is an absolute path: refused, it would be written outside the data directory');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeEntryError(name, "has a '..' component: refused, it could be written outside the data directory");
  if (name.includes('\0')) throw new UnsafeEntryError(name, 'holds a NUL byte: refused');
  return parts.join('/');
}

/** a, a/b, a/b/c for a/b/c/d: the entry's proper ancestors. */
function* prefixes(relative: string): Generator<string> {
  const parts = relative.split('/');
  for (let i = 1; i < parts.length; i++) yield parts.slice(0, i).join('/');
}
