/**
 * wal-push's detached pusher: the server's call stores its own segment and
 * returns, a detached process stores the other ready segments and leaves a
 * marker for each — one pusher per cluster, a pusher killed mid-batch leaves
 * nothing half-stored and the server's next calls push what it did not, and
 * an encrypted storage gets encrypted objects. Real processes (the built
 * CLI, the archive_command as the shell runs it) on a pg_wal laid out as the
 * server lays it out; the bulk-load test in archive-command.test.ts runs a
 * real cluster through the printed archive_command.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, runBuiltCli } from '../../harness/cli.js';
import { archiveCommandWithMarkers, PUSHED_DIR } from '../../../src/backup/wal/wal-push-ahead.js';
import { PUSHER_LOCK, PUSHER_LOG } from '../../../src/backup/wal/push-markers.js';
import { parseWalName, walKey } from '../../../src/backup/wal/layout.js';
import { fileArchive, shellQuote } from './support.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const segmentName = (i: number) => `0000000100000000000000${i.toString(16).toUpperCase().padStart(2, '0')}`;
const isSegment = (n: string) => /^[0-9A-F]{24}$/.test(n);

/** A data directory whose pg_wal holds `count` ready 16 MB segments, compressible about like a bulk load's (≈ 0.1–0.3 s of deflate each). */
async function readyWal(count: number): Promise<{ dataDir: string; pgWal: string; names: string[] }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-pusher-'));
  const pgWal = path.join(dataDir, 'pg_wal');
  await mkdir(path.join(pgWal, 'archive_status'), { recursive: true });
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    const bytes = Buffer.alloc(16 * 1024 * 1024, i);
    for (let at = 0; at < bytes.length; at += 8192) randomBytes(1500).copy(bytes, at);
    names.push(segmentName(i));
    await writeFile(path.join(pgWal, segmentName(i)), bytes);
    await writeFile(path.join(pgWal, 'archive_status', `${segmentName(i)}.ready`), '');
  }
  return { dataDir, pgWal, names };
}

/** Wait for `count` pushers to have logged their end, and the lock to be gone. */
async function pusherGone(pgWal: string, count = 1, timeoutMs = 120_000): Promise<void> {
  for (const start = Date.now(); Date.now() - start < timeoutMs; await new Promise((r) => setTimeout(r, 50))) {
    const ended = (await pusherLog(pgWal)).filter((l) => l.what === 'done:').length;
    if (ended >= count && !(await stat(path.join(pgWal, PUSHED_DIR, PUSHER_LOCK)).then(() => true, () => false))) return;
  }
  throw new Error('the pusher did not finish');
}

/** Log lines `<iso time> pid <pid> <what> <name>…`. */
async function pusherLog(pgWal: string): Promise<Array<{ at: number; pid: string; what: string; name: string; line: string }>> {
  const text = await readFile(path.join(pgWal, PUSHED_DIR, PUSHER_LOG), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => {
    const [at, , pid, what, name] = line.split(' ');
    return { at: Date.parse(at!), pid: pid!, what: what!, name: (name ?? '').replace(/:$/, ''), line };
  });
}

/** The server's call, as PostgreSQL runs archive_command (cwd = the data directory); then, on exit 0, .ready → .done. */
async function serverCall(dataDir: string, name: string, walPush: string) {
  const run = await execa('sh', ['-c', archiveCommandWithMarkers(walPush).replaceAll('%%', '%').replaceAll('%f', name).replaceAll('%p', `pg_wal/${name}`)], { cwd: dataDir, reject: false });
  if (run.exitCode === 0) await rm(path.join(dataDir, 'pg_wal', 'archive_status', `${name}.ready`));
  return run;
}

async function expectStoredExactly(url: string, pgWal: string, names: string[], keyArgs: string[] = []): Promise<void> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-pusher-fetched-'));
  for (const name of names) {
    const fetched = await runBuiltCli(['wal-fetch', name, path.join(out, name), '--storage', url, ...keyArgs, '--prefetch', '0']);
    expect(fetched.exitCode, `${name}: ${fetched.stderr}`).toBe(0);
    expect(sha(await readFile(path.join(out, name)))).toBe(sha(await readFile(path.join(pgWal, name))));
  }
}

describe('wal-push leaves the files ahead to a detached pusher', () => {
  it('the server\'s call returns once its own file is stored; the pusher stores the rest, each marked, and the server\'s next calls are answered from the markers', async () => {
    const target = await fileArchive();
    const { dataDir, pgWal, names } = await readyWal(8);
    const started = Date.now();
    const run = await runBuiltCli(['wal-push', path.join(pgWal, names[0]!), '--storage', target.url, '--json']);
    const returned = Date.now();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ name: string; pusher: string; created: boolean }>()).toMatchObject({ name: names[0], pusher: 'started', created: true });
    // Its own file is stored when it returns.
    expect(await stat(path.join(target.url, walKey(parseWalName(names[0]!)!)))).toBeTruthy();
    await rm(path.join(pgWal, 'archive_status', `${names[0]!}.ready`));

    await pusherGone(pgWal);
    const log = await pusherLog(pgWal);
    const stored = log.filter((l) => l.what === 'stored');
    expect(stored.map((l) => l.name).sort()).toEqual(names.slice(1));
    expect(new Set(stored.map((l) => l.pid)).size).toBe(1);
    // The batch finished after the server's call had returned: the call did not wait for it.
    expect(Math.max(...stored.map((l) => l.at))).toBeGreaterThan(returned);
    expect(returned - started).toBeLessThan(Math.max(...stored.map((l) => l.at)) - started);
    expect((await readdir(path.join(pgWal, PUSHED_DIR))).filter(isSegment).sort()).toEqual(names.slice(1));

    // The server's next calls: answered in the shell from the markers (the fallback here would fail).
    for (const name of names.slice(1)) expect((await serverCall(dataDir, name, 'false')).exitCode).toBe(0);
    expect((await readdir(path.join(pgWal, PUSHED_DIR))).filter(isSegment)).toEqual([]);
    await expectStoredExactly(target.url, pgWal, names);
  }, 240_000);

  it('one pusher per cluster: a live one\'s lock keeps a second from starting; a dead one\'s lock is taken over', async () => {
    const target = await fileArchive();
    const { pgWal, names } = await readyWal(3);
    await mkdir(path.join(pgWal, PUSHED_DIR), { recursive: true });
    const lock = path.join(pgWal, PUSHED_DIR, PUSHER_LOCK);
    // A live process (this test) holds the lock: wal-push starts no pusher, and a pusher started anyway does nothing.
    await writeFile(lock, String(process.pid));
    const run = await runBuiltCli(['wal-push', path.join(pgWal, names[0]!), '--storage', target.url, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ pusher: string }>().pusher).toBe('running');
    const second = await execa(process.execPath, [CLI, 'wal-push', '--pusher', pgWal, '--storage', target.url], { reject: false });
    expect(second.exitCode).toBe(0);
    expect((await pusherLog(pgWal)).filter((l) => l.what !== 'started')).toEqual([]);
    expect((await readdir(path.join(pgWal, PUSHED_DIR))).filter(isSegment)).toEqual([]);
    expect(await readFile(lock, 'utf8')).toBe(String(process.pid));

    // Its holder died (kill -9 leaves the lock behind): the next pusher takes it over and stores the rest.
    const dead = await execa('sh', ['-c', 'echo $$']);
    await writeFile(lock, dead.stdout.trim());
    await rm(path.join(pgWal, 'archive_status', `${names[0]!}.ready`));
    const third = await execa(process.execPath, [CLI, 'wal-push', '--pusher', pgWal, '--storage', target.url], { reject: false });
    expect(third.exitCode).toBe(0);
    expect((await pusherLog(pgWal)).filter((l) => l.what === 'stored').map((l) => l.name).sort()).toEqual(names.slice(1));
    await expect(stat(lock)).rejects.toThrow();
    await expectStoredExactly(target.url, pgWal, names);
  }, 120_000);

  it('a pusher killed (kill -9) mid-batch leaves nothing half-stored; the server\'s next calls push what it did not', async () => {
    const target = await fileArchive();
    const { dataDir, pgWal, names } = await readyWal(10);
    const walPushCommand = `${shellQuote(process.execPath)} ${shellQuote(CLI)} wal-push %p --storage ${shellQuote(target.url)}`;
    expect((await serverCall(dataDir, names[0]!, walPushCommand)).exitCode).toBe(0);
    // Kill the pusher once it has stored a file, in the middle of the others.
    let pid = 0;
    for (const start = Date.now(); Date.now() - start < 60_000; await new Promise((r) => setTimeout(r, 20))) {
      if ((await pusherLog(pgWal)).some((l) => l.what === 'stored')) {
        pid = Number(await readFile(path.join(pgWal, PUSHED_DIR, PUSHER_LOCK), 'utf8'));
        break;
      }
    }
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const storedBefore = (await pusherLog(pgWal)).filter((l) => l.what === 'stored').map((l) => l.name);
    expect(storedBefore.length).toBeLessThan(names.length - 1);
    // Nothing half-stored under a segment's name (wal-fetch verifies each below); only the storage's own temp files may be left.
    const objects = (await readdir(path.join(target.url, path.dirname(walKey(parseWalName(names[0]!)!))))).filter((n) => /^[0-9A-F]{24}\.gz$/.test(n)).length;
    expect(objects).toBeGreaterThanOrEqual(1 + storedBefore.length);

    // The server goes on: every call exits 0, whether answered from a marker or pushed by the call itself (a new pusher helps).
    for (const name of names.slice(1)) {
      const call = await serverCall(dataDir, name, walPushCommand);
      expect(call.exitCode, `${name}: ${call.stderr}`).toBe(0);
    }
    await pusherGone(pgWal);
    await expectStoredExactly(target.url, pgWal, names);
    expect((await readdir(path.join(pgWal, PUSHED_DIR))).filter(isSegment)).toEqual([]);
  }, 240_000);

  it('with an encrypted storage the pusher stores encrypted objects (the key from its file, never on the command line), and each fetches back exact', async () => {
    const target = await fileArchive();
    const { pgWal, names } = await readyWal(4);
    const work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-pusher-key-'));
    const keyFile = path.join(work, 'storage.key');
    await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    await chmod(work, 0o700);
    const run = await runBuiltCli(['wal-push', path.join(pgWal, names[0]!), '--storage', target.url, '--encryption-key-file', keyFile, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json<{ pusher: string }>().pusher).toBe('started');
    await pusherGone(pgWal);
    expect((await pusherLog(pgWal)).filter((l) => l.what === 'stored').map((l) => l.name).sort()).toEqual(names.slice(1));
    for (const name of names) {
      const raw = await readFile(path.join(target.url, walKey(parseWalName(name)!)));
      expect(raw.subarray(0, 2).toString('hex')).not.toBe('1f8b');
    }
    await expectStoredExactly(target.url, pgWal, names, ['--encryption-key-file', keyFile]);
    // Without the key, nothing reads back.
    const without = await runBuiltCli(['wal-fetch', names[1]!, path.join(work, 'x'), '--storage', target.url, '--prefetch', '0']);
    expect(without.exitCode).not.toBe(0);
  }, 240_000);

  it('a file the pusher cannot store gets no marker and a line in pusher.log naming why; the server\'s own call then pushes it and reports the error', async () => {
    const target = await fileArchive();
    const { dataDir, pgWal, names } = await readyWal(3);
    // The last ready name cannot be read (a directory where the segment should be).
    await rm(path.join(pgWal, names[2]!));
    await mkdir(path.join(pgWal, names[2]!));
    const walPushCommand = `${shellQuote(process.execPath)} ${shellQuote(CLI)} wal-push %p --storage ${shellQuote(target.url)}`;
    expect((await serverCall(dataDir, names[0]!, walPushCommand)).exitCode).toBe(0);
    await pusherGone(pgWal);
    const log = await pusherLog(pgWal);
    expect(log.find((l) => l.what === 'FAILED')?.line).toMatch(new RegExp(`FAILED ${names[2]!}: .*EISDIR.*the server's own call will push it`));
    expect(log.find((l) => l.what === 'done:')?.line).toContain('1 stored, 1 failed');
    expect((await readdir(path.join(pgWal, PUSHED_DIR))).filter(isSegment)).toEqual([names[1]]);
    expect((await serverCall(dataDir, names[1]!, 'false')).exitCode).toBe(0);
    const refused = await serverCall(dataDir, names[2]!, walPushCommand);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(names[2]!);
    expect(await stat(path.join(target.url, walKey(parseWalName(names[2]!)!))).catch(() => null)).toBeNull();
  }, 120_000);
});
