import { describe, expect, it } from 'vitest';
import { connInfoFromEnv, connInfoFromUrl, connToUrl, describeConn } from '../../../src/db/conninfo.js';
import { redactUrl } from '../../../src/secrets/redact.js';
import { redact } from '../../../src/secrets/redact.js';

describe('connection info', () => {
  it('parses a URL and fills gaps from libpq PG* variables', () => {
    const conn = connInfoFromUrl('postgres://app:p%40ss@db.local:6543/shop?sslmode=require', {});
    expect(conn).toMatchObject({ host: 'db.local', port: 6543, user: 'app', password: 'p@ss', database: 'shop', sslmode: 'require' });
    const partial = connInfoFromUrl('postgres:///shop', { PGHOST: '/run/pg', PGPORT: '5433', PGUSER: 'ops' });
    expect(partial).toMatchObject({ host: '/run/pg', port: 5433, user: 'ops', database: 'shop' });
  });

  it('uses libpq defaults when only PG* variables are set', () => {
    expect(connInfoFromEnv({ PGHOST: 'h', PGDATABASE: 'd', PGUSER: 'u', PGPASSWORD: 'pw' })).toMatchObject({ host: 'h', port: 5432, user: 'u', database: 'd', password: 'pw' });
  });

  it('rejects something that is not a postgres URL without echoing the password', () => {
    expect(() => connInfoFromUrl('mysql://u:hunter2@h/d', {})).toThrow(/must start with postgres:\/\//);
    try {
      connInfoFromUrl('mysql://u:hunter2@h/d', {});
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('hunter2');
    }
  });

  it('describes a connection without its password and round-trips through a URL', () => {
    const conn = connInfoFromUrl('postgresql://app:s3cr%2Ft@127.0.0.1:5555/shop', {});
    expect(describeConn(conn)).toBe('app@127.0.0.1:5555/shop');
    expect(connInfoFromUrl(connToUrl(conn), {})).toMatchObject({ password: 's3cr/t', port: 5555, database: 'shop' });
  });

  it('redacts passwords in URLs and known secrets, raw and URL-encoded', () => {
    expect(redactUrl('failed for postgres://app:topsecret@h:1/db')).toBe('failed for postgres://app:***@h:1/db');
    expect(redact('pw is s/cret and s%2Fcret', ['s/cret'])).toBe('pw is *** and ***');
  });
});

describe('TLS settings, as libpq reads them', () => {
  it('takes sslmode, sslrootcert, sslcert and sslkey from the URL (over PGSSL* variables) without node-postgres interpreting them or warning', () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const conn = connInfoFromUrl('postgres://app@db.example.com/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=x', { PGSSLMODE: 'disable', PGSSLCERT: '/home/me/client.crt', PGSSLKEY: '/home/me/client.key' });
      expect(conn).toMatchObject({ sslmode: 'verify-full', sslrootcert: '/etc/ca.pem', sslcert: '/home/me/client.crt', sslkey: '/home/me/client.key', applicationName: 'x' });
      expect(connInfoFromUrl('postgres://app@h/db?sslmode=require').sslmode).toBe('require');
      expect(connToUrl({ ...conn, password: undefined })).toBe('postgres://app@db.example.com:5432/shop?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&sslcert=%2Fhome%2Fme%2Fclient.crt&sslkey=%2Fhome%2Fme%2Fclient.key');
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('refuses an sslmode libpq does not know, and node-postgres-only parameters', () => {
    expect(() => connInfoFromUrl('postgres://h/db?sslmode=on')).toThrow(/sslmode "on", which is not one of disable, allow, prefer, require, verify-ca, verify-full/);
    expect(() => connInfoFromUrl('postgres://h/db?ssl=true')).toThrow(/"ssl", which libpq does not know/);
  });
});
