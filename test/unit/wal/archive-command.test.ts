import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { archiveCommand } from '../../../src/backup/wal/archive-command.js';
import { gzipMember, recordedDigest } from '../../../src/backup/wal/gzip-member.js';

/** What PostgreSQL runs for a value: %p, %f and %% substituted. */
const expand = (value: string, name: string) => value.replace(/%(%|p|f)/g, (_m, c: string) => (c === '%' ? '%' : c === 'p' ? `pg_wal/${name}` : name));

describe('archiveCommand', () => {
  it('quotes node, the CLI and the storage as shell words and doubles a literal % (PostgreSQL would expand it)', () => {
    const printed = archiveCommand({ node: '/opt/node 20/bin/node', cli: '/srv/100%/dbrollback/main.js', access: { args: ['--storage', "s3://b/p?endpoint=http://h:9000&forcePathStyle=true"], env: {}, keyFile: undefined } });
    const run = expand(printed.archiveCommand, '000000010000000000000007');
    expect(run).toContain(`|| '/opt/node 20/bin/node' '/srv/100%/dbrollback/main.js' wal-push pg_wal/000000010000000000000007 --storage 's3://b/p?endpoint=http://h:9000&forcePathStyle=true'`);
    // The marker test, as the shell sees it once PostgreSQL expanded the value.
    expect(run).toContain(`test "$(cat pg_wal/dbrollback-pushed/000000010000000000000007)" = "$(stat -c '%s %i %Y' pg_wal/000000010000000000000007)"`);
    expect(printed.setting).toBe(`archive_command = '${printed.archiveCommand.replace(/'/g, "''")}'`);
  });

  it('names a key file by its path and a key from the environment by its variable only', () => {
    const key = 'ab'.repeat(32);
    const fromFile = archiveCommand({ node: '/usr/bin/node', cli: '/cli.js', access: { args: ['--storage', '/a', '--encryption-key-file', '/etc/k'], env: {}, keyFile: '/etc/k' } });
    expect(fromFile.archiveCommand).toMatch(/--storage \/a --encryption-key-file \/etc\/k$/);
    expect(fromFile.environment).toEqual([]);
    const fromEnv = archiveCommand({ node: '/usr/bin/node', cli: '/cli.js', access: { args: ['--storage', '/a'], env: { DBROLLBACK_ENCRYPTION_KEY: key }, keyFile: undefined } });
    expect(fromEnv.environment).toEqual(['DBROLLBACK_ENCRYPTION_KEY']);
    expect(fromEnv.setting).not.toContain(key);
  });
});

describe('recordedDigest', () => {
  it('reads the sha256 a stored object records from its header alone, and null for an object that is not ours', async () => {
    const sha = 'c'.repeat(64);
    const chunks: Buffer[] = [];
    for await (const c of gzipMember(Readable.from([Buffer.alloc(1 << 20, 7)]), sha)) chunks.push(c as Buffer);
    const whole = Buffer.concat(chunks);
    // Delivered a few bytes at a time: the header spans chunks.
    const pieces = Array.from({ length: Math.ceil(whole.length / 7) }, (_v, i) => whole.subarray(i * 7, i * 7 + 7));
    expect(await recordedDigest(Readable.from(pieces))).toBe(sha);
    expect(await recordedDigest(Readable.from([Buffer.from('not gzip at all')]))).toBeNull();
  });
});
