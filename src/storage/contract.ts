/**
 * The one contract every backup storage driver implements (S3, local
 * directory, memory). It is deliberately small — put a stream, get a stream,
 * stat, list by prefix, delete — so backups, WAL archives and audit records
 * (`backups/`, `wal/`, `audit/` prefixes) all sit on the same five calls.
 *
 * Keys are relative to the storage root (the URL's prefix or directory) and
 * always validated with `validateKey` before a driver touches anything.
 * `put` is create-only: it never replaces an object whose content differs.
 */
import type { Readable } from 'node:stream';
import { DbrollbackError } from '../errors.js';

export type StorageKind = 's3' | 'file' | 'memory';

export interface ObjectInfo {
  /** Key relative to the storage root. */
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  /**
   * Expected size in bytes, when known or estimated (a dump's database size).
   * Drivers size their buffers from it (S3 multipart part size).
   */
  expectedSize?: number;
  contentType?: string;
  /** Called as bytes are consumed from the body (cumulative count). */
  onProgress?: (bytes: number) => void;
  /** Aborting stops the upload and leaves no object behind. */
  signal?: AbortSignal;
}

export interface PutResult {
  key: string;
  size: number;
  /** sha256 of the stored bytes, hex, computed while streaming. */
  sha256: string;
  /** False when an identical object already existed under the key (nothing was written). */
  created: boolean;
}

export interface Storage {
  readonly kind: StorageKind;
  /** The storage URL without secrets, for messages and manifests. */
  readonly url: string;
  /**
   * Check that the storage can be used (reachable, credentials valid, bucket or
   * directory present) before any work starts, so a bad URL fails in seconds
   * with nothing written.
   */
  check(): Promise<void>;
  /**
   * Store a stream (or bytes) under `key`, never leaving a partial object under
   * that key. Create-only: if an object exists with the same bytes the call
   * succeeds with `created: false`; if its bytes differ, STORAGE_OBJECT_EXISTS.
   */
  put(key: string, body: Readable | Uint8Array | string, options?: PutOptions): Promise<PutResult>;
  /** A stream of the object's bytes; STORAGE_OBJECT_NOT_FOUND if absent. */
  get(key: string): Promise<Readable>;
  /** Size and time of an object, or null if absent. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** Every object whose key starts with `prefix` ('' = all, or ending in '/'), sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Remove an object; removing an absent object is not an error. */
  delete(key: string): Promise<void>;
  /** Release connections. */
  close(): Promise<void>;
}

const MAX_KEY_BYTES = 1024;

/**
 * A key is a relative path of non-empty segments: no `..` or `.` segment, no
 * leading `/` (absolute), no backslash, no control characters, at most 1024 bytes.
 * The same rules protect the file driver from escaping its directory and keep
 * S3 keys portable.
 */
export function validateKey(key: string): string {
  const problem = keyProblem(key, false);
  if (problem) throw keyError(key, problem);
  return key;
}

/** A listing prefix: '' (everything) or a valid key, optionally ending with '/'. */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const problem = keyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, true);
  if (problem) throw keyError(prefix, problem);
  return prefix;
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== 'string' || key === '') return 'it is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  if (key.startsWith('/')) return 'it is absolute (starts with "/")';
  if (key.includes('\\')) return 'it contains a backslash';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `it is longer than ${MAX_KEY_BYTES} bytes`;
  const segments = key.split('/');
  if (segments.some((s) => s === '..')) return 'it contains a ".." segment';
  if (segments.some((s) => s === '.')) return 'it contains a "." segment';
  if (segments.some((s) => s === '')) return isPrefix ? 'it contains an empty segment ("//")' : 'it contains an empty segment ("//" or a trailing "/")';
  return undefined;
}

function keyError(key: string, problem: string): DbrollbackError {
  return new DbrollbackError('STORAGE_KEY_INVALID', `storage key ${JSON.stringify(key)} is not allowed: ${problem}`, {
    hint: 'Storage keys are relative paths like "backups/<id>/dump.pgcustom": no "..", no leading "/", no control characters.',
  });
}

export function objectNotFound(storageUrl: string, key: string): DbrollbackError {
  return new DbrollbackError('STORAGE_OBJECT_NOT_FOUND', `object "${key}" does not exist in ${storageUrl}`, {
    hint: 'Check the storage URL (--storage / DBROLLBACK_STORAGE) and the name; `dbrollback backups` lists what is there.',
  });
}

export function objectExists(storageUrl: string, key: string): DbrollbackError {
  return new DbrollbackError('STORAGE_OBJECT_EXISTS', `object "${key}" already exists in ${storageUrl} with different content; it was not replaced`, {
    hint: 'Objects in backup storage are never overwritten. Use a new name, or delete the old object deliberately first.',
  });
}
