/**
 * TLS for dbrollback's own connections, with libpq's meanings — the same as
 * psql and the pg_dump / pg_restore / pg_basebackup it runs (which get the
 * same settings through PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY):
 *
 *   disable      never encrypted
 *   allow        unencrypted; encrypted only if the server refuses that
 *   prefer       encrypted if the server supports it, else not (the default)
 *   require      encrypted, server not verified
 *   verify-ca    encrypted, the server's certificate signed by the CA in sslrootcert
 *   verify-full  verify-ca, and the certificate names the host connected to
 *
 * As in libpq, a root certificate file that exists (sslrootcert, or the
 * default ~/.postgresql/root.crt) makes prefer and require verify the CA too;
 * verify-ca and verify-full without one are refused before connecting;
 * sslrootcert=system means the system's trusted CAs (verify-full only); a
 * client certificate is sent when sslcert (default
 * ~/.postgresql/postgresql.crt) and its key exist. Unix-domain sockets are
 * never encrypted. node-postgres is never handed the URL's ssl parameters:
 * it would read them its own way (and print a warning block).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { SSL_MODES, type ConnInfo } from './conninfo.js';

export type SslOption = false | tls.ConnectionOptions;

/** One way to try a connection; `fallback` is tried only when the first fails in the way its mode allows for. */
export interface SslAttempts {
  first: SslOption;
  fallback?: { ssl: SslOption; when: (err: unknown) => boolean };
}

const libpqDir = () => path.join(os.homedir(), '.postgresql');
const defaultFile = (name: string) => path.join(libpqDir(), name);

function modeOf(conn: ConnInfo): string {
  return conn.sslmode ?? 'prefer';
}

function rootCert(conn: ConnInfo): string | undefined {
  if (conn.sslrootcert) return conn.sslrootcert;
  const fallback = defaultFile('root.crt');
  return existsSync(fallback) ? fallback : undefined;
}

/** What makes these TLS settings unusable before any connection is tried (libpq refuses the same), or null. */
export function sslProblem(conn: ConnInfo): string | null {
  const mode = modeOf(conn);
  if (!(SSL_MODES as readonly string[]).includes(mode)) return `sslmode "${mode}" is not one of ${SSL_MODES.join(', ')}`;
  if (mode === 'disable' || conn.host.startsWith('/')) return null;
  if (conn.sslrootcert === 'system' && mode !== 'verify-full') return `sslrootcert=system needs sslmode=verify-full (got ${mode}): trusting every public CA is only safe with the host name checked`;
  if (conn.sslrootcert && conn.sslrootcert !== 'system' && !existsSync(conn.sslrootcert)) return `root certificate file "${conn.sslrootcert}" (sslrootcert) does not exist`;
  if ((mode === 'verify-ca' || mode === 'verify-full') && rootCert(conn) === undefined) {
    return `sslmode=${mode} verifies the server's certificate against the CA that signed it, and none is given: root certificate file "${defaultFile('root.crt')}" does not exist`;
  }
  for (const [name, file] of [['sslcert', conn.sslcert], ['sslkey', conn.sslkey]] as const) {
    if (file && !existsSync(file)) return `${name} file "${file}" does not exist`;
  }
  return null;
}

export const SSL_HINT = 'Give the CA certificate with sslrootcert=FILE in the URL (or PGSSLROOTCERT), sslrootcert=system for the system\'s trusted CAs with verify-full, or sslmode=require to encrypt without verifying the server — as for psql and pg_dump.';

/**
 * Servers (host:port) that answered a prefer-mode SSLRequest with "no SSL"
 * in this process. libpq goes on unencrypted on the same socket after that
 * answer; node-postgres closes it, so the fallback is a second connection,
 * and the server forks a backend for each. A run opens several connections
 * to one server in a few seconds: the later ones skip the question whose
 * answer is known. prefer promises no encryption either way (anyone on the
 * path can answer "no"), so this weakens nothing; a server that turns TLS
 * on is asked again by the next process.
 */
const declinedTls = new Set<string>();

/** The attempts libpq would make for this sslmode. */
export function sslAttempts(conn: ConnInfo): SslAttempts {
  const mode = modeOf(conn);
  if (mode === 'disable' || conn.host.startsWith('/')) return { first: false };
  const server = `${conn.host}:${conn.port}`;
  if (mode === 'prefer' && declinedTls.has(server)) return { first: false };
  const options = tlsOptions(conn, mode);
  if (mode === 'prefer') {
    const declined = (err: unknown) => {
      if (!serverHasNoSsl(err)) return false;
      declinedTls.add(server);
      return true;
    };
    return { first: options, fallback: { ssl: false, when: declined } };
  }
  if (mode === 'allow') return { first: false, fallback: { ssl: options, when: serverWantsSsl } };
  return { first: options };
}

function tlsOptions(conn: ConnInfo, mode: string): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = {};
  const cert = conn.sslcert ?? (existsSync(defaultFile('postgresql.crt')) ? defaultFile('postgresql.crt') : undefined);
  const key = conn.sslkey ?? (existsSync(defaultFile('postgresql.key')) ? defaultFile('postgresql.key') : undefined);
  if (cert && key) {
    options.cert = readFileSync(cert);
    options.key = readFileSync(key);
  }
  const root = rootCert(conn);
  if (root === undefined) {
    options.rejectUnauthorized = false;
    return options;
  }
  options.rejectUnauthorized = true;
  if (root !== 'system') options.ca = readFileSync(root);
  // verify-full checks the name of the host we connect to; below it (verify-ca, or a root file with prefer/require) only the chain.
  options.checkServerIdentity = mode === 'verify-full' ? (_host, peer) => tls.checkServerIdentity(conn.host, peer) : () => undefined;
  return options;
}

/** node-postgres's answer to an SSLRequest the server declined ('N'). */
export function serverHasNoSsl(err: unknown): boolean {
  return err instanceof Error && /does not support SSL/i.test(err.message);
}

/** pg_hba.conf admits this client only over TLS (hostssl): "no pg_hba.conf entry … no encryption". */
function serverWantsSsl(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === '28000';
}

const VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The server's certificate was not accepted (the chain, or the host name for verify-full). */
export function isVerifyFailure(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code !== undefined && VERIFY_CODES.has(code);
}
