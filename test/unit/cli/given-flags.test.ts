import { describe, expect, it } from 'vitest';
import { givenFlags, withGivenFlags, withoutPassword } from '../../../src/cli/given-flags.js';

const COMMANDS = ['status', 'plan', 'undo', 'restore', 'backups', 'verify', 'archive-command', 'drill'];

describe('givenFlags', () => {
  it('repeats the global flags that choose what a command acts on, in the options table order, quoted for a shell', () => {
    expect(
      givenFlags({ databaseUrl: 'postgres://app@db/shop', storage: 's3://b/p?endpoint=http://127.0.0.1:9000&forcePathStyle=true', config: 'prod config.json', json: true, yes: true, verbose: true, count: '2' }),
    ).toEqual(["--database-url postgres://app@db/shop", "--storage 's3://b/p?endpoint=http://127.0.0.1:9000&forcePathStyle=true'", "--config 'prod config.json'"]);
  });

  it('never repeats a password', () => {
    expect(givenFlags({ databaseUrl: 'postgres://app:s3cret@db:5432/shop?sslmode=require' })).toEqual(["--database-url 'postgres://app@db:5432/shop?sslmode=require'"]);
    expect(withoutPassword("host=db user=app password='a b' dbname=shop")).toBe('host=db user=app dbname=shop');
    expect(withoutPassword('host=db password=x dbname=shop')).toBe('host=db dbname=shop');
    expect(withoutPassword('postgresql://app:p%40ss@[::1]/shop')).toBe('postgresql://app@[::1]/shop');
    expect(withoutPassword('./migrations')).toBe('./migrations');
    expect(withoutPassword('postgres://app@db/shop?password=s3cret&sslmode=require&sslpassword=k3y')).toBe('postgres://app@db/shop?sslmode=require');
    expect(withoutPassword('host=db sslpassword=k3y dbname=shop')).toBe('host=db dbname=shop');
  });

  it('is empty when no such flag was given', () => {
    expect(givenFlags({ json: true, count: '1' })).toEqual([]);
  });
});

describe('withGivenFlags', () => {
  const flags = ['--config prod.json', '--storage s3://b/p'];

  it('puts the flags after every suggested dbrollback command, before its subcommand', () => {
    expect(withGivenFlags('Restore it: `dbrollback restore --backup 20261207T0400Z` (or `dbrollback plan --count 1`).', flags, COMMANDS)).toBe(
      'Restore it: `dbrollback --config prod.json --storage s3://b/p restore --backup 20261207T0400Z` (or `dbrollback --config prod.json --storage s3://b/p plan --count 1`).',
    );
    expect(withGivenFlags('e.g. dbrollback undo --count 1 (run it first)', flags, COMMANDS)).toBe('e.g. dbrollback --config prod.json --storage s3://b/p undo --count 1 (run it first)');
  });

  it('does not add a flag the suggested command already names, and only to that command', () => {
    expect(withGivenFlags('`dbrollback archive-command --storage URL` prints it; then `dbrollback backups --check`', flags, COMMANDS)).toBe(
      '`dbrollback --config prod.json archive-command --storage URL` prints it; then `dbrollback --config prod.json --storage s3://b/p backups --check`',
    );
    expect(withGivenFlags('dbrollback --config other.json --storage s3://x verify', flags, COMMANDS)).toBe('dbrollback --config other.json --storage s3://x verify');
  });

  it('leaves text that names no subcommand alone (the archive entries, prose, other words)', () => {
    const text = "archive_command = 'dbrollback wal-push %p'; dbrollback running: lock held; dbrollback-ignore drop-table; dbrollback restores";
    expect(withGivenFlags(text, flags, COMMANDS)).toBe(text);
    expect(withGivenFlags('`dbrollback restore --backup X`', [], COMMANDS)).toBe('`dbrollback restore --backup X`');
  });
});
