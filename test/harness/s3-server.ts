/**
 * A real S3-protocol server on loopback (s3rver), path-style, for the S3
 * storage driver's tests. Credentials are s3rver's fixed test pair.
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
    async stop() {
      await close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
