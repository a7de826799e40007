/**
 * S3 (and S3-protocol) storage: `s3://bucket/prefix`.
 *
 * Uploads stream through lib-storage's `Upload` (multipart above one part),
 * so memory stays near (queueSize + 1) × partSize whatever the dump's size.
 * The part size follows the expected size: S3 allows at most 10,000 parts,
 * so the 5 MiB minimum would stop at ~48 GiB. Checksums are computed only
 * when the API requires them (`WHEN_REQUIRED`): several non-AWS stores reject
 * the newer default checksum headers, and our own sha256 (read back after the
 * upload) is the integrity check that counts.
 *
 * The AWS SDK is loaded on first use: it costs ~0.2 s of start-up that
 * file-storage users and every other command should not pay.
 */
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { pipeline, Readable } from 'node:stream';
import { DbrollbackError } from '../errors.js';
import { objectExists, objectNotFound, validateKey, validatePrefix, type ObjectInfo, type PutOptions, type PutResult, type Storage } from './contract.js';
import { DigestStream, digestOf, toReadable } from './digest.js';

export type SseMode = 'AES256' | 'aws:kms';

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix inside the bucket: '' or ending with '/'. */
  prefix: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  region?: string;
  sse?: SseMode;
  kmsKeyId?: string;
  /** Send If-None-Match: * on writes (atomic create-only where the store supports it). Default true. */
  conditionalWrites?: boolean;
  /** Fixed multipart part size in bytes (≥ 5 MiB); default: from the expected size. */
  partSize?: number;
  /** The URL as the user wrote it, without secrets (for messages). */
  url: string;
}

const MIB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MIB;
/** S3's limit is 10,000 parts; keep headroom for a dump larger than its estimate. */
const PLANNED_PARTS = 8000;
/** Upper bound for the parts held in memory at once (queue × part size). */
const BUFFER_BUDGET = 128 * MIB;

/** Part size and concurrency for an upload of about `expectedSize` bytes. */
export function multipartPlan(expectedSize: number | undefined, fixedPartSize?: number): { partSize: number; queueSize: number } {
  const fromSize = expectedSize ? Math.ceil(expectedSize / PLANNED_PARTS) : 0;
  const partSize = Math.max(MIN_PART_SIZE, fixedPartSize ?? 0, fixedPartSize ? 0 : roundUpToMiB(fromSize));
  const queueSize = Math.max(1, Math.min(4, Math.floor(BUFFER_BUDGET / partSize) - 1));
  return { partSize, queueSize };
}

function roundUpToMiB(n: number): number {
  return Math.ceil(n / MIB) * MIB;
}

type Sdk = typeof import('@aws-sdk/client-s3') & Pick<typeof import('@aws-sdk/lib-storage'), 'Upload'>;
let sdkLoading: Promise<Sdk> | undefined;

function loadSdk(): Promise<Sdk> {
  sdkLoading ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ ...s3, Upload: storage.Upload }));
  return sdkLoading;
}

export function s3Storage(options: S3StorageOptions): Storage {
  let connecting: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  const connect = () => {
    connecting ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 },
      }),
    }));
    return connecting;
  };
  const { bucket, prefix, url } = options;
  const fullKey = (key: string) => `${prefix}${validateKey(key)}`;
  // Our own errors (an invalid key, pg_dump failing upstream of the upload) pass through unchanged.
  const fail = (what: string, err: unknown) => (err instanceof DbrollbackError ? err : s3Error(url, options, what, err));

  const head = async (key: string): Promise<ObjectInfo | null> => {
    const Key = fullKey(key);
    const { sdk, client } = await connect();
    try {
      const out = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
      return { key, size: Number(out.ContentLength ?? 0), lastModified: out.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw fail(`stat ${key}`, err);
    }
  };

  const get = async (key: string): Promise<Readable> => {
    const Key = fullKey(key);
    const { sdk, client } = await connect();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key }));
      return out.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw objectNotFound(url, key);
      throw fail(`reading ${key}`, err);
    }
  };

  return {
    kind: 's3',
    url,

    async check() {
      const { sdk, client } = await connect();
      try {
        await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
      } catch (err) {
        throw fail('checking the bucket', err);
      }
    },

    async put(key: string, body: Readable | Uint8Array | string, putOptions: PutOptions = {}): Promise<PutResult> {
      const Key = fullKey(key);
      const source = toReadable(body);
      const { sdk, client } = await connect();
      // Create-only: an existing object is never replaced; identical bytes make the put a no-op.
      const existing = await head(key);
      if (existing) return compareWithExisting(key, source);

      const digest = new DigestStream(putOptions.onProgress);
      // pipeline (not pipe) so a failing source (pg_dump dying) fails the upload instead of completing it short.
      pipeline(source, digest, () => undefined);
      const plan = multipartPlan(putOptions.expectedSize, options.partSize);
      const params: PutObjectCommandInput = {
        Bucket: bucket,
        Key,
        Body: digest,
        ContentType: putOptions.contentType ?? 'application/octet-stream',
      };
      if (options.sse) params.ServerSideEncryption = options.sse;
      if (options.kmsKeyId) params.SSEKMSKeyId = options.kmsKeyId;
      if (options.conditionalWrites !== false) params.IfNoneMatch = '*';
      const upload = new sdk.Upload({ client, params, partSize: plan.partSize, queueSize: plan.queueSize, leavePartsOnError: false });
      const onAbort = () => void upload.abort();
      putOptions.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await upload.done();
      } catch (err) {
        source.destroy();
        digest.destroy();
        if (isPreconditionFailed(err)) return compareWithExisting(key, Readable.from([]), digest);
        throw fail(`uploading ${key} (after ${formatMiB(digest.bytes)})`, err);
      } finally {
        putOptions.signal?.removeEventListener('abort', onAbort);
      }
      return { key, size: digest.bytes, sha256: digest.sha256(), created: true };
    },

    get,
    stat: head,

    async list(listPrefix) {
      validatePrefix(listPrefix);
      const out: ObjectInfo[] = [];
      const { sdk, client } = await connect();
      try {
        for await (const page of sdk.paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: `${prefix}${listPrefix}` })) {
          for (const object of page.Contents ?? []) {
            if (!object.Key) continue;
            out.push({ key: object.Key.slice(prefix.length), size: Number(object.Size ?? 0), lastModified: object.LastModified ?? new Date(0) });
          }
        }
      } catch (err) {
        throw fail(`listing ${listPrefix || '/'}`, err);
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    async delete(key) {
      const Key = fullKey(key);
      const { sdk, client } = await connect();
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (err) {
        if (isNotFound(err)) return;
        throw fail(`deleting ${key}`, err);
      }
    },

    async close() {
      if (connecting) (await connecting).client.destroy();
    },
  };

  /** The key is taken: succeed only if the stored bytes equal the new ones. */
  async function compareWithExisting(key: string, source: Readable, consumed?: DigestStream): Promise<PutResult> {
    const incoming = consumed ? { sha256: consumed.sha256(), size: consumed.bytes } : await digestOf(source);
    const stored = await digestOf(await get(key));
    if (stored.sha256 !== incoming.sha256 || stored.size !== incoming.size) throw objectExists(url, key);
    return { key, size: stored.size, sha256: stored.sha256, created: false };
  }
}

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

function httpStatus(err: unknown): number | undefined {
  return (err as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const e = err as AwsLikeError;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || httpStatus(err) === 404;
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as AwsLikeError;
  return e?.name === 'PreconditionFailed' || httpStatus(err) === 412;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'TimeoutError']);

function networkCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as AwsLikeError & { errors?: unknown[] };
    if (e.code && NETWORK_CODES.has(e.code)) return e.code;
    if (e.name && NETWORK_CODES.has(e.name)) return e.name;
    if (Array.isArray(e.errors) && e.errors.length > 0) current = e.errors[0];
    else current = e.cause;
  }
  return undefined;
}

/** Map an SDK failure to one of our codes with an actionable hint. */
export function s3Error(url: string, options: Pick<S3StorageOptions, 'bucket' | 'endpoint'>, what: string, err: unknown): DbrollbackError {
  const e = (err ?? {}) as AwsLikeError;
  const where = options.endpoint ? `endpoint ${options.endpoint}` : 'AWS S3';
  const reason = e.message || e.name || String(err);
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(reason)) {
    return new DbrollbackError('STORAGE_CREDENTIALS_MISSING', `no S3 credentials found for ${url}`, {
      hint: 'Provide credentials through the standard AWS chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE (~/.aws/credentials), or an instance/task role.',
      cause: err,
    });
  }
  const net = networkCode(err);
  if (net) {
    return new DbrollbackError('STORAGE_UNREACHABLE', `${what} failed: cannot reach ${where} (${net}) for ${url}`, {
      hint: 'Check the endpoint (?endpoint=… in the storage URL, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL), that the server is running, and the network.',
      cause: err,
    });
  }
  const status = httpStatus(err);
  if (e.name === 'NoSuchBucket' || (what === 'checking the bucket' && status === 404)) {
    return new DbrollbackError('STORAGE_BUCKET_NOT_FOUND', `bucket "${options.bucket}" does not exist at ${where}`, {
      hint: 'Create the bucket first, or fix the bucket name in --storage / DBROLLBACK_STORAGE.',
      cause: err,
    });
  }
  if (status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'ExpiredToken'].includes(e.name ?? '')) {
    return new DbrollbackError('STORAGE_ACCESS_DENIED', `${what} failed: access denied by ${where} for ${url} (${e.name ?? status})`, {
      hint: 'Check the credentials (AWS_ACCESS_KEY_ID / AWS_PROFILE) and that they may read, write, list and delete in this bucket and prefix.',
      cause: err,
    });
  }
  return new DbrollbackError('STORAGE_FAILED', `${what} failed at ${where} for ${url}: ${reason}`, {
    hint: 'Check the S3 server is healthy and reachable; rerun with --verbose for the full cause.',
    cause: err,
  });
}

function formatMiB(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
