/**
 * A lock file holding its owner's pid, for the detached helpers a short-lived
 * command starts (wal-fetch's prefetcher, wal-push's pusher): one at a time,
 * and a lock left behind by a process that died (kill -9, a crash) is taken
 * over instead of blocking forever. The same file serves as a claim on one
 * piece of work (a segment being pushed).
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';

/** The live pid holding `file`, or null (no file, garbage, or its process is gone). */
export async function pidLockHolder(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/** Take the lock; null when a live process holds it. Returns the release function. */
export async function acquirePidLock(file: string): Promise<(() => Promise<void>) | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      let released = false;
      // Once only: a second unlink could remove the lock another process has taken since.
      return async () => {
        if (released) return;
        released = true;
        await unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if ((await pidLockHolder(file)) !== null) return null;
      // Left behind by a process that died. An empty file may be one just created, its pid not yet written:
      // only a file older than a moment is taken for dead.
      if (!(await staleOrDead(file))) return null;
      await unlink(file).catch(() => undefined);
    }
  }
  return null;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function staleOrDead(file: string): Promise<boolean> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return true;
  if (text.trim() !== '') return true;
  const s = await stat(file).catch(() => null);
  return s === null || Date.now() - s.mtimeMs > 2_000;
}
