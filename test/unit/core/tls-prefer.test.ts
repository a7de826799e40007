import { describe, expect, it } from 'vitest';
import type { ConnInfo } from '../../../src/db/conninfo.js';
import { sslAttempts } from '../../../src/db/tls.js';

const conn = (port: number, sslmode?: ConnInfo['sslmode']): ConnInfo => ({ host: '127.0.0.1', port, user: 'u', password: 'p', database: 'd', sslmode, applicationName: 'test' });
const noSsl = new Error('The server does not support SSL connections');

describe('sslmode=prefer against a server without TLS', () => {
  it('asks once per server: after the "no SSL" answer, later connections to that host and port go unencrypted at once', () => {
    const first = sslAttempts(conn(61001));
    expect(first.first).not.toBe(false);
    expect(first.fallback?.ssl).toBe(false);
    // Any other failure is not an answer about TLS: nothing is remembered.
    expect(first.fallback!.when(new Error('connection refused'))).toBe(false);
    expect(sslAttempts(conn(61001)).first).not.toBe(false);
    expect(first.fallback!.when(noSsl)).toBe(true);
    expect(sslAttempts(conn(61001))).toEqual({ first: false });
    // Another server is still asked.
    expect(sslAttempts(conn(61002)).first).not.toBe(false);
  });

  it('changes nothing for modes that require TLS, or that try it second', () => {
    sslAttempts(conn(61003)).fallback!.when(noSsl);
    expect(sslAttempts(conn(61003, 'require')).first).not.toBe(false);
    expect(sslAttempts(conn(61003, 'require')).fallback).toBeUndefined();
    expect(sslAttempts(conn(61003, 'allow')).fallback?.ssl).not.toBe(false);
  });
});
