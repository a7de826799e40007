/**
 * A recording PostgreSQL wire-protocol relay on loopback. Code migrations
 * (umzug's are arbitrary functions with a user-defined context) reach the
 * scratch database through it, and every statement they send — simple Query
 * or extended-protocol Parse, from pg, postgres.js, an ORM, anything — is
 * recorded in order. Bytes are relayed unchanged (authentication included);
 * SSL/GSS encryption requests are declined, which is fine on loopback.
 */
import net from 'node:net';
import type { ConnInfo } from '../../db/conninfo.js';
import { connToUrl } from '../../db/conninfo.js';

export interface PgRecorder {
  /** Connection info (and URL) that reach the target through the recorder. */
  readonly conn: ConnInfo;
  readonly url: string;
  /** Every statement received so far, in order. */
  readonly statements: readonly string[];
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export async function startPgRecorder(target: ConnInfo): Promise<PgRecorder> {
  const statements: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = target.host.startsWith('/')
      ? net.connect({ path: `${target.host}/.s.PGSQL.${target.port}` })
      : net.connect({ host: target.host, port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    upstream.on('data', (chunk) => client.write(chunk));

    let buffer = Buffer.alloc(0);
    let startup = true;
    client.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (startup) {
          if (buffer.length < 8) return;
          const len = buffer.readInt32BE(0);
          if (buffer.length < len) return;
          const code = buffer.readInt32BE(4);
          const message = buffer.subarray(0, len);
          buffer = buffer.subarray(len);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            client.write('N');
            continue;
          }
          startup = false;
          upstream.write(message);
          continue;
        }
        if (buffer.length < 5) return;
        const len = buffer.readInt32BE(1);
        if (buffer.length < len + 1) return;
        const type = String.fromCharCode(buffer[0]!);
        const message = buffer.subarray(0, len + 1);
        buffer = buffer.subarray(len + 1);
        if (type === 'Q') {
          statements.push(cString(message, 5));
        } else if (type === 'P') {
          const nameEnd = message.indexOf(0, 5);
          statements.push(cString(message, nameEnd + 1));
        }
        upstream.write(message);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  const conn: ConnInfo = { ...target, host: '127.0.0.1', port: address.port, sslmode: 'disable' };
  return {
    conn,
    url: connToUrl(conn),
    statements,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function cString(buf: Buffer, start: number): string {
  const end = buf.indexOf(0, start);
  return buf.subarray(start, end === -1 ? buf.length : end).toString('utf8');
}
