/**
 * The base backup's extract (extractBase → tar-writer) against archives built
 * by the real `tar` here: what it writes (modes, owner, long names, symlinks),
 * what it refuses (entries that would land outside DIR), and how it fails
 * (truncated or corrupt stream, wrong sha256, a stop midway). The whole
 * restore from a pg_basebackup tar is pitr-restore.test.ts's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractBase } from '../../../src/backup/pitr/extract.js';
import { isRoot, osUserIds } from '../../../src/pgtools/local-cluster.js';
import { fileStorage } from '../../../src/storage/file.js';
import type { Storage } from '../../../src/storage/contract.js';
import { rejection } from '../../harness/fixtures.js';

const osUser = isRoot() ? 'postgres' : undefined;

describe('extractBase: a tar.gz base backup into a new data directory', () => {
  let work: string;
  let storage: Storage;
  let n = 0;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-extract-'));
    await chmod(work, 0o755);
    storage = fileStorage(path.join(work, 'storage'));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** `tar` run in `from` over `names` (extra flags first), gzipped, stored; its key and sha256. */
  async function stored(from: string, names: string[], flags: string[] = []): Promise<{ key: string; sha256: string; sizeBytes: number; bytes: Buffer }> {
    const archive = path.join(work, `a${++n}.tar.gz`);
    await execa('tar', [...flags, '-czf', archive, '-C', from, ...names]);
    const bytes = await readFile(archive);
    return put(bytes);
  }

  async function put(bytes: Buffer): Promise<{ key: string; sha256: string; sizeBytes: number; bytes: Buffer }> {
    const key = `bases/b${++n}.tar.gz`;
    await storage.put(key, bytes);
    return { key, sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length, bytes };
  }

  const newDir = () => path.join(work, `copy${++n}`);

  it('writes every file with its content and the archive\'s modes, owned by the server\'s OS user; DIR 0700; pg_wal and its archive_status made', async () => {
    const tree = path.join(work, 'tree');
    await mkdir(path.join(tree, 'base', '1'), { recursive: true, mode: 0o700 });
    await mkdir(path.join(tree, 'global'), { mode: 0o750 });
    await writeFile(path.join(tree, 'PG_VERSION'), '15\n', { mode: 0o600 });
    await writeFile(path.join(tree, 'global', 'pg_control'), randomBytes(8192), { mode: 0o640 });
    // Larger than the gunzip's chunks and the writer's budget per write: written in many pieces, in order.
    const big = randomBytes(40 * 1024 * 1024 + 123);
    await writeFile(path.join(tree, 'base', '1', '16384'), big, { mode: 0o600 });
    await writeFile(path.join(tree, 'base', '1', 'empty'), '', { mode: 0o600 });
    await chmod(path.join(tree, 'global'), 0o750);
    const b = await stored(tree, ['.']);
    const dir = newDir();

    const result = await extractBase(storage, b.key, dir, { osUser, sha256: b.sha256, sizeBytes: b.sizeBytes });

    expect(result).toEqual({ bytes: b.sizeBytes, sha256: b.sha256 });
    // Compared by digest: a deep comparison of 40 MB takes vitest minutes.
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(await readFile(path.join(dir, 'base', '1', '16384')))).toBe(digest(big));
    expect(await readFile(path.join(dir, 'PG_VERSION'), 'utf8')).toBe('15\n');
    expect((await stat(path.join(dir, 'base', '1', 'empty'))).size).toBe(0);
    const mode = async (p: string) => (await stat(path.join(dir, p))).mode & 0o777;
    expect(await mode('.')).toBe(0o700);
    expect(await mode('PG_VERSION')).toBe(0o600);
    expect(await mode('global')).toBe(0o750);
    expect(await mode('global/pg_control')).toBe(0o640);
    expect(await mode('base/1')).toBe(0o700);
    expect(await mode('pg_wal')).toBe(0o700);
    expect(await mode('pg_wal/archive_status')).toBe(0o700);
    // The archive's modification times are kept, as tar kept them.
    expect(Math.floor((await stat(path.join(dir, 'PG_VERSION'))).mtimeMs / 1000)).toBe(Math.floor((await stat(path.join(tree, 'PG_VERSION'))).mtimeMs / 1000));
    if (osUser) {
      const [uid, gid] = await osUserIds(osUser);
      for (const p of ['.', 'PG_VERSION', 'global', 'global/pg_control', 'base', 'base/1', 'base/1/16384', 'pg_wal', 'pg_wal/archive_status']) {
        const s = await lstat(path.join(dir, p));
        expect([p, s.uid, s.gid]).toEqual([p, uid, gid]);
      }
    }
  });

  it('long names (GNU and pax) and symbolic links are written as the archive has them', async () => {
    const tree = path.join(work, 'tree-long');
    const deep = path.join('base', 'd'.repeat(90), 'e'.repeat(90));
    await mkdir(path.join(tree, deep), { recursive: true });
    const long = path.join(deep, `${'f'.repeat(150)}.conf`);
    await writeFile(path.join(tree, long), 'long name\n');
    await mkdir(path.join(tree, 'pg_tblspc'));
    await symlink('/var/lib/postgresql/elsewhere', path.join(tree, 'pg_tblspc', '16400'));
    await symlink('base', path.join(tree, 'relative-link'));
    for (const format of ['gnu', 'pax']) {
      const b = await stored(tree, ['.'], [`--format=${format}`]);
      const dir = newDir();
      await extractBase(storage, b.key, dir, { osUser, sha256: b.sha256, sizeBytes: b.sizeBytes });
      expect([format, await readFile(path.join(dir, long), 'utf8')]).toEqual([format, 'long name\n']);
      expect(await readlink(path.join(dir, 'pg_tblspc', '16400'))).toBe('/var/lib/postgresql/elsewhere');
      expect(await readlink(path.join(dir, 'relative-link'))).toBe('base');
      if (osUser) expect((await lstat(path.join(dir, 'pg_tblspc', '16400'))).uid).toBe((await osUserIds(osUser))[0]);
    }
  });

  describe('entries that would land outside DIR are refused, RESTORE_FAILED naming the entry and the partial copy; nothing is written outside', () => {
    let outside: string;
    beforeAll(async () => {
      outside = path.join(work, 'outside');
      await mkdir(outside, { mode: 0o777 });
    });

    it('a `..` component', async () => {
      const tree = path.join(work, 'tree-dots', 'inner');
      await mkdir(tree, { recursive: true });
      await writeFile(path.join(tree, 'PG_VERSION'), '15\n');
      await writeFile(path.join(work, 'tree-dots', 'escaped'), 'escaped\n');
      // -P keeps the `..` tar would otherwise strip when writing the archive.
      const b = await stored(tree, ['PG_VERSION', '../escaped'], ['-P']);
      const dir = path.join(work, 'dots', 'copy');
      await mkdir(path.dirname(dir));
      const err = await rejection(extractBase(storage, b.key, dir, { osUser, sha256: b.sha256, sizeBytes: b.sizeBytes }));
      expect(err.code).toBe('RESTORE_FAILED');
      expect(err.message).toContain('"../escaped"');
      expect(err.message).toContain("'..'");
      expect(err.hint).toContain(`${dir} holds a partial copy`);
      expect(await readdir(path.join(work, 'dots'))).toEqual(['copy']);
    });

    it('an absolute path', async () => {
      const target = path.join(outside, 'absolute');
      await writeFile(target, 'tar read me from here\n');
      const b = await stored(work, [target], ['-P']);
      await rm(target);
      const dir = newDir();
      const err = await rejection(extractBase(storage, b.key, dir, { osUser, sha256: b.sha256, sizeBytes: b.sizeBytes }));
      expect(err.code).toBe('RESTORE_FAILED');
      expect(err.message).toContain('absolute path');
      expect(await readdir(outside)).toEqual([]);
    });

    it('a file under a symbolic link the archive created', async () => {
      const tree = path.join(work, 'tree-link');
      await mkdir(tree);
      await writeFile(path.join(tree, 'PG_VERSION'), '15\n');
      // On disk when the archive is made: `escape` → outside, and `escape/planted` read through it.
      await symlink(outside, path.join(tree, 'escape'));
      await writeFile(path.join(outside, 'planted'), 'planted\n');
      const b = await stored(tree, ['PG_VERSION', 'escape', 'escape/planted']);
      await rm(path.join(outside, 'planted'));
      const dir = newDir();
      const err = await rejection(extractBase(storage, b.key, dir, { osUser, sha256: b.sha256, sizeBytes: b.sizeBytes }));
      expect(err.code).toBe('RESTORE_FAILED');
      expect(err.message).toContain('"escape/planted"');
      expect(err.message).toContain('symbolic link');
      expect(await readdir(outside)).toEqual([]);
    });

    it('a name given twice: the second never writes through what the first made (a symlink there)', async () => {
      const tree = path.join(work, 'tree-twice');
      await mkdir(tree);
      await symlink(path.join(outside, 'victim'), path.join(tree, 'postgresql.conf'));
      const first = path.join(work, 'first.tar');
      await execa('tar', ['-cf', first, '-C', tree, 'postgresql.conf']);
      await rm(path.join(tree, 'postgresql.conf'));
      await writeFile(path.join(tree, 'postgresql.conf'), 'overwritten\n');
      await execa('tar', ['-rf', first, '-C', tree, 'postgresql.conf']);
      const { stdout: gz } = await execa('gzip', ['-c', first], { encoding: 'buffer' });
      const b = await put(Buffer.from(gz));
      const dir = newDir();
      const err = await rejection(extractBase(storage, b.key, dir, { osUser, sha256: b.sha256, sizeBytes: b.sizeBytes }));
      expect(err.code).toBe('RESTORE_FAILED');
      expect(err.message).toMatch(/EEXIST/);
      expect(await readdir(outside)).toEqual([]);
    });
  });

  it('a truncated stream: RESTORE_FAILED naming the partial copy to remove', async () => {
    const tree = path.join(work, 'tree-trunc');
    await mkdir(tree);
    await writeFile(path.join(tree, 'data'), randomBytes(2 * 1024 * 1024));
    const whole = await stored(tree, ['.']);
    const cut = await put(whole.bytes.subarray(0, Math.floor(whole.bytes.length / 2)));
    const dir = newDir();
    const err = await rejection(extractBase(storage, cut.key, dir, { osUser, sha256: cut.sha256, sizeBytes: cut.sizeBytes }));
    expect(err.code).toBe('RESTORE_FAILED');
    expect(err.message).toContain(`into ${dir} failed after ${cut.sizeBytes} bytes`);
    expect(err.hint).toContain(`${dir} holds a partial copy: remove it`);
  });

  it('bytes that are not a tar.gz: RESTORE_FAILED; a good archive with another sha256: CHECKSUM_MISMATCH', async () => {
    const junk = await put(randomBytes(4096));
    const err = await rejection(extractBase(storage, junk.key, newDir(), { osUser, sha256: junk.sha256, sizeBytes: junk.sizeBytes }));
    expect(err.code).toBe('RESTORE_FAILED');

    const tree = path.join(work, 'tree-sum');
    await mkdir(tree);
    await writeFile(path.join(tree, 'PG_VERSION'), '15\n');
    const b = await stored(tree, ['.']);
    const dir = newDir();
    const wrong = await rejection(extractBase(storage, b.key, dir, { osUser, sha256: '0'.repeat(64), sizeBytes: b.sizeBytes }));
    expect(wrong.code).toBe('CHECKSUM_MISMATCH');
    expect(wrong.hint).toContain(`${dir} holds a copy that must not be used`);
  });

  it('stopped midway (the run\'s AbortSignal): INTERRUPTED inside "extract", and no write still lands once it returns', async () => {
    const tree = path.join(work, 'tree-abort');
    await mkdir(tree);
    for (let i = 0; i < 4; i++) await writeFile(path.join(tree, `rel${i}`), randomBytes(8 * 1024 * 1024));
    const b = await stored(tree, ['.']);
    const dir = newDir();
    const stop = new AbortController();
    // SIGINT arrives once 4 MB of the stored object have been read.
    let read = 0;
    const stopping: Storage = {
      ...storage,
      get: async (key) =>
        (await storage.get(key)).pipe(
          new Transform({
            transform(chunk: Buffer, _enc, done) {
              read += chunk.length;
              if (read > 4 * 1024 * 1024) stop.abort('SIGINT');
              done(null, chunk);
            },
          }),
        ),
    };
    const err = await rejection(extractBase(stopping, b.key, dir, { osUser, sha256: b.sha256, sizeBytes: b.sizeBytes, signal: stop.signal }));
    expect(err.code).toBe('INTERRUPTED');
    expect(err.message).toContain('during step "extract"');
    const sizes = async () => Promise.all((await readdir(dir)).map(async (f) => `${f} ${(await stat(path.join(dir, f))).size}`));
    const before = await sizes();
    expect(before.length).toBeLessThan(4);
    await new Promise((r) => setTimeout(r, 300));
    expect(await sizes()).toEqual(before);
  });
});
