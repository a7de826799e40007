/**
 * A real S3-protocol server on loopback (s3rver), path-style, for the S3
 * storage driver's tests. Credentials are s3rver's fixed test pair.
 *
 * s3rver ignores `If-None-Match: *` on writes, which S3 (and MinIO, R2, GCS)
 * honour: no installable S3 server on npm does, so the harness adds S3's
 * semantics in front of s3rver's own handlers — a PutObject or
 * CompleteMultipartUpload carrying `If-None-Match: *` for a key that exists
 * is answered 412 PreconditionFailed (S3's XML error) and stores nothing;
 * conditional writes to one key are decided one at a time, so of two racing
 * creators exactly one succeeds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { freePort } from './cluster.js';

export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  /** Environment for the AWS SDK's default credential chain. */
  readonly env: Record<string, string>;
  /** A storage URL for a bucket/prefix on this server. */
  storageUrl(bucket: string, prefix?: string): string;
  /** Stop accepting and drop open connections (to simulate a failure mid-upload). */
  kill(): Promise<void>;
  /** Conditional writes refused with 412 so far. */
  preconditionFailures(): number;
  stop(): Promise<void>;
}

export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET_KEY = 'S3RVER';

export async function startS3Server(buckets: string[] = ['backups']): Promise<S3Server> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-s3-'));
  const port = await freePort();
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  let refused = 0;
  installConditionalWrites(server, () => (refused += 1));
  const sockets = new Set<import('node:net').Socket>();
  await server.run();
  const http = (server as unknown as { httpServer: import('node:http').Server }).httpServer;
  http.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const s of sockets) s.destroy();
    await server.close().catch(() => undefined);
  };
  return {
    endpoint,
    port,
    directory,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_KEY,
      AWS_REGION: 'us-east-1',
    },
    storageUrl: (bucket, prefix = '') =>
      `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&forcePathStyle=true&region=us-east-1`,
    kill: close,
    preconditionFailures: () => refused,
    async stop() {
      await close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  type: string;
  body: unknown;
  req: import('node:http').IncomingMessage;
  get(header: string): string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** S3's conditional create (If-None-Match: *) in front of s3rver, which would overwrite. */
function installConditionalWrites(server: S3rver, onRefused: () => void): void {
  const store = (server as unknown as { store: { existsObject(bucket: string, key: string): Promise<boolean> } }).store;
  const pending = new Map<string, Promise<void>>();
  const conditional: Middleware = async (ctx, next) => {
    const isWrite = (ctx.method === 'PUT' && ctx.query.uploadId === undefined && ctx.query.partNumber === undefined) || (ctx.method === 'POST' && ctx.query.uploadId !== undefined);
    if (!isWrite || ctx.get('if-none-match').trim() !== '*') return next();
    const [, bucket = '', ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const id = `${bucket}/${key}`;
    // One conditional write per key at a time: the check and the write are one step, as in S3.
    const before = pending.get(id) ?? Promise.resolve();
    let release: (() => void) | undefined;
    const mine = before.then(() => new Promise<void>((resolve) => (release = resolve)));
    pending.set(id, mine);
    await before;
    try {
      if (await store.existsObject(bucket, key)) {
        onRefused();
        // Read the body the client is sending before answering, as S3 does.
        ctx.req.resume();
        await new Promise((resolve) => (ctx.req.readableEnded ? resolve(undefined) : ctx.req.once('end', resolve).once('error', resolve)));
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition><Key>${key}</Key></Error>`;
        return;
      }
      await next();
    } finally {
      release?.();
      if (pending.get(id) === mine) pending.delete(id);
    }
  };
  (server as unknown as { middleware: Middleware[] }).middleware.unshift(conditional);
}
