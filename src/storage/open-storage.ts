/**
 * The storage registry: a storage URL → the driver for it.
 *
 *   s3://bucket/prefix?endpoint=URL&forcePathStyle=true&region=R&sse=AES256|aws:kms&kmsKeyId=K
 *   file:///absolute/dir
 *   /absolute/dir or relative/dir (resolved against the working directory)
 *
 * memory:// is refused: the in-memory driver is a test double for library
 * callers (memoryStorage()), never a place a command may put a backup.
 * Unknown schemes and unknown query parameters are errors: a typo must not
 * silently send backups somewhere else.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbrollbackError } from '../errors.js';
import type { Storage } from './contract.js';
import { validatePrefix } from './contract.js';
import { encryptedStorage } from './encrypted.js';
import type { EncryptionKey } from './encryption-key.js';
import { fileStorage } from './file.js';
import { MIN_PART_SIZE, s3Storage, type S3StorageOptions, type SseMode } from './s3.js';
import { unencryptedStorage } from './unencrypted.js';

export interface OpenStorageOptions {
  /** Environment for AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / AWS_REGION (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths (default process.cwd()). */
  cwd?: string;
  /** S3 only: fixed multipart part size in bytes (≥ 5 MiB), e.g. to exercise multipart in tests. */
  partSize?: number;
  /** Encrypt every object written and authenticate every object read (client side); off when absent. */
  encryption?: EncryptionKey;
}

const S3_PARAMS = ['endpoint', 'forcePathStyle', 'region', 'sse', 'kmsKeyId', 'conditionalWrites'] as const;
const URL_HINT = 'Use s3://BUCKET/PREFIX (options: ?endpoint=URL&forcePathStyle=true&region=R&sse=AES256|aws:kms&kmsKeyId=ID), file:///DIR or a directory path.';

/** Open the storage a URL names; throws STORAGE_URL_INVALID (exit 2) for anything malformed. */
export function openStorage(url: string | undefined, options: OpenStorageOptions = {}): Storage {
  const driver = openDriver(url, options);
  return options.encryption ? encryptedStorage(driver, options.encryption) : unencryptedStorage(driver);
}

function openDriver(url: string | undefined, options: OpenStorageOptions): Storage {
  if (url === undefined || url.trim() === '') {
    throw new DbrollbackError('STORAGE_URL_INVALID', 'no backup storage is configured', {
      hint: 'Pass --storage s3://BUCKET/PREFIX or --storage /path/to/dir, set DBROLLBACK_STORAGE, or add "storage" to the config file.',
    });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
      if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[a-z]:[\\/]/i.test(url)) throw invalid(url, `"${url.split(':')[0]}:" is not a storage scheme`);
      return fileStorage(path.resolve(options.cwd ?? process.cwd(), url));
    case 'file':
      return fileStorage(parseFileUrl(url));
    case 's3':
      return s3Storage(parseS3Url(url, options));
    case 'memory':
      // The in-memory driver is the library's test double (memoryStorage()): a backup "stored" there is gone when the command exits.
      throw invalid(url, 'memory:// keeps objects in this process only: everything written there is lost when the command exits');
    default:
      throw invalid(url, `unknown scheme "${scheme}://" (supported: s3://, file://, or a directory path)`);
  }
}

function parseFileUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw invalid(url, 'it is not a valid file:// URL', cause);
  }
  if (parsed.host !== '' && parsed.host !== 'localhost') throw invalid(url, `file URLs must be local (file:///DIR), not on host "${parsed.host}"`);
  if (parsed.search) throw invalid(url, 'file URLs take no query parameters');
  const dir = fileURLToPath(parsed);
  if (dir === '/' || dir === '') throw invalid(url, 'the storage directory cannot be the filesystem root');
  return dir;
}

/** Parse an s3:// URL into driver options (exported for unit tests). */
export function parseS3Url(url: string, options: OpenStorageOptions = {}): S3StorageOptions {
  const env = options.env ?? process.env;
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i.exec(url);
  if (!match) throw invalid(url, 'it is not of the form s3://BUCKET/PREFIX?OPTIONS');
  const bucket = match[1] ?? '';
  if (bucket === '') throw invalid(url, 'the bucket name is empty');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw invalid(url, `"${bucket}" is not a valid bucket name (3–63 characters: lowercase letters, digits, dots, hyphens)`);
  }
  let prefix = decodeURIComponent((match[2] ?? '').replace(/^\/+/, ''));
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (prefix !== '') {
    try {
      validatePrefix(prefix);
    } catch (err) {
      throw invalid(url, `the prefix "${prefix}" is not allowed (${(err as Error).message.replace(/^.*not allowed: /, '')})`);
    }
  }

  const params = new URLSearchParams(match[3] ?? '');
  const unknown = [...params.keys()].filter((k) => !(S3_PARAMS as readonly string[]).includes(k));
  if (unknown.length > 0) throw invalid(url, `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${S3_PARAMS.join(', ')})`);

  const endpointRaw = params.get('endpoint') ?? (env.AWS_ENDPOINT_URL_S3 || undefined) ?? (env.AWS_ENDPOINT_URL || undefined);
  let endpoint: string | undefined;
  if (endpointRaw !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(endpointRaw);
    } catch (cause) {
      throw invalid(url, `endpoint "${endpointRaw}" is not a URL`, cause);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(url, `endpoint "${endpointRaw}" must be http:// or https://`);
    endpoint = endpointRaw;
  }

  const forcePathStyle = booleanParam(url, params, 'forcePathStyle');
  const conditionalWrites = booleanParam(url, params, 'conditionalWrites');
  const sseRaw = params.get('sse');
  let sse: SseMode | undefined;
  if (sseRaw !== null) {
    if (sseRaw !== 'AES256' && sseRaw !== 'aws:kms') throw invalid(url, `sse must be AES256 or aws:kms (got "${sseRaw}")`);
    sse = sseRaw;
  }
  const kmsKeyId = params.get('kmsKeyId') ?? undefined;
  if (kmsKeyId !== undefined && sse !== 'aws:kms') throw invalid(url, 'kmsKeyId needs sse=aws:kms');
  // A custom endpoint (MinIO, Ceph, s3rver) usually ignores the region, but the SDK insists on one.
  const region = params.get('region') ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined) ?? (endpoint ? 'us-east-1' : undefined);
  if (options.partSize !== undefined && options.partSize < MIN_PART_SIZE) {
    throw new DbrollbackError('USAGE', `partSize must be at least ${MIN_PART_SIZE} bytes (S3's minimum part size)`, {});
  }

  return {
    bucket,
    prefix,
    endpoint,
    forcePathStyle,
    region,
    sse,
    kmsKeyId,
    conditionalWrites,
    partSize: options.partSize,
    url: redactS3Url(url),
  };
}

function booleanParam(url: string, params: URLSearchParams, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw invalid(url, `${name} must be true or false (got "${raw}")`);
}

/** Storage URLs carry no secrets, but an endpoint might embed user:password@; drop it. */
function redactS3Url(url: string): string {
  return url.replace(/(endpoint=[a-z]+(?:%3A|:)(?:%2F|\/){2})[^@&]*(?:%40|@)/i, '$1');
}

function invalid(url: string, problem: string, cause?: unknown): DbrollbackError {
  return new DbrollbackError('STORAGE_URL_INVALID', `storage URL "${url}" is not usable: ${problem}`, { hint: URL_HINT, cause });
}
