import { describe, expect, it } from 'vitest';
import { hookEnv, toolEnv } from '../../../src/secrets/child-env.js';

describe('child environments', () => {
  const parent = {
    PATH: '/usr/bin',
    HOME: '/home/oncall',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    PGPASSWORD: 's3cret-pw',
    PGPASSFILE: '/home/oncall/.pgpass',
    PGSSLROOTCERT: '/etc/ssl/root.crt',
    DATABASE_URL: 'postgres://app:s3cret-pw@db:5432/shop',
    DBROLLBACK_ENCRYPTION_KEY: 'ab'.repeat(32),
    DBROLLBACK_ENCRYPTION_PASSPHRASE: 'long passphrase here',
    AWS_SECRET_ACCESS_KEY: 'aws-secret',
    LEAKY: 'x=s3cret-pw',
    DEPLOY_ENV: 'prod',
  };

  it('pg tools get PATH, HOME, locale, TZ and PG* settings, never PGPASSWORD (it comes with the connection) or anything else', () => {
    expect(toolEnv(parent)).toEqual({ PATH: '/usr/bin', HOME: '/home/oncall', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', PGPASSFILE: '/home/oncall/.pgpass', PGSSLROOTCERT: '/etc/ssl/root.crt' });
  });

  it('hooks get the environment without credentials: no PGPASSWORD/PGPASSFILE/keys, DATABASE_URL without its password, no variable holding a known secret', () => {
    const env = hookEnv(parent, ['s3cret-pw']);
    expect(env.DATABASE_URL).toBe('postgres://app@db:5432/shop');
    for (const name of ['PGPASSWORD', 'PGPASSFILE', 'DBROLLBACK_ENCRYPTION_KEY', 'DBROLLBACK_ENCRYPTION_PASSPHRASE', 'LEAKY']) expect(env[name], name).toBeUndefined();
    expect(env).toMatchObject({ PATH: '/usr/bin', DEPLOY_ENV: 'prod', PGSSLROOTCERT: '/etc/ssl/root.crt' });
    expect(JSON.stringify(env)).not.toContain('s3cret-pw');
  });

  it('a very short password removes only a variable that is exactly it, not every variable containing its letters', () => {
    const env = hookEnv({ PATH: '/usr/bin', SHORT: 'pw', OTHER: 'xpwx' }, ['pw']);
    expect(env).toEqual({ PATH: '/usr/bin', OTHER: 'xpwx' });
  });
});
