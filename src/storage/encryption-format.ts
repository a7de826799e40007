/**
 * The encrypted object format (version 1), after age's STREAM construction:
 *
 *   header (56 bytes):
 *     0  7  magic "DBRBENC"          7  1  version (1)
 *     8  1  kdf: 0 raw key, 1 scrypt  9  3  scrypt log2(N), r, p (zeros for a raw key)
 *    12  4  chunk size (65536)       16 16  scrypt salt (zeros for a raw key)
 *    32  8  key id                   40 16  object nonce
 *   data chunks: AES-256-GCM of CHUNK_SIZE plaintext bytes (the last one 1..CHUNK_SIZE), 16-byte tag each
 *   trailer chunk: AES-256-GCM of sha256(plaintext) ‖ size (u64), final flag set
 *
 * Each object has its own key, HKDF(master, object nonce), so chunk nonces are
 * just the chunk index plus a final flag: a chunk moved, dropped or taken from
 * another object fails its tag, and an object cut anywhere lacks its trailer.
 * The header and the object's storage key are the associated data of every
 * chunk: altering the header, or copying a valid object to another key, fails too.
 */
import { createHmac, hkdfSync, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { promisify } from 'node:util';
import { DbrollbackError } from '../errors.js';
import type { EncryptionKey } from './encryption-key.js';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

export const MAGIC = Buffer.from('DBRBENC', 'latin1');
/**
 * A small object every encrypted storage holds, written with its key: opening
 * the storage with another key (or none) fails on it before anything is written.
 */
export const KEY_CHECK_KEY = 'dbrollback-encryption-key-check';
export const KEY_CHECK_TEXT = '{"purpose":"dbrollback storage encryption key check","version":1}\n';
export const VERSION = 1;
export const HEADER_BYTES = 56;
export const CHUNK_SIZE = 64 * 1024;
export const TAG_BYTES = 16;
/** sha256 (32) + size (8). */
export const TRAILER_PLAIN_BYTES = 40;
export const TRAILER_BYTES = TRAILER_PLAIN_BYTES + TAG_BYTES;

const KDF_RAW = 0;
const KDF_SCRYPT = 1;
/** 2^15 × r 8: about 32 MiB and 50–100 ms per derivation; derived once per salt and cached. */
const SCRYPT = { logN: 15, r: 8, p: 1 } as const;

export interface Header {
  bytes: Buffer;
  kdf: 'raw' | 'scrypt';
  scrypt: { logN: number; r: number; p: number };
  salt: Buffer;
  keyId: Buffer;
  nonce: Buffer;
}

/** The master key a header was made with (a raw key, or the passphrase stretched with its salt). */
export interface MasterKey {
  kdf: 'raw' | 'scrypt';
  key: Buffer;
  salt: Buffer;
  keyId: Buffer;
}

export function keyIdOf(master: Buffer): Buffer {
  return createHmac('sha256', master).update('dbrollback-storage-v1 key id').digest().subarray(0, 8);
}

export async function deriveMaster(key: EncryptionKey, salt?: Buffer, params: { logN: number; r: number; p: number } = SCRYPT): Promise<MasterKey> {
  if (key.kind === 'key') return { kdf: 'raw', key: key.key, salt: Buffer.alloc(16), keyId: keyIdOf(key.key) };
  const s = salt ?? randomBytes(16);
  const N = 2 ** params.logN;
  const derived = await scrypt(key.passphrase, s, 32, { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 });
  return { kdf: 'scrypt', key: derived, salt: s, keyId: keyIdOf(derived) };
}

export function newHeader(master: MasterKey): Header {
  const bytes = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(bytes, 0);
  bytes[7] = VERSION;
  bytes[8] = master.kdf === 'raw' ? KDF_RAW : KDF_SCRYPT;
  if (master.kdf === 'scrypt') {
    bytes[9] = SCRYPT.logN;
    bytes[10] = SCRYPT.r;
    bytes[11] = SCRYPT.p;
  }
  bytes.writeUInt32BE(CHUNK_SIZE, 12);
  master.salt.copy(bytes, 16);
  master.keyId.copy(bytes, 32);
  randomBytes(16).copy(bytes, 40);
  return parseHeaderBytes(bytes)!;
}

/** True when bytes start like an encrypted object (used to refuse reading one without a key). */
export function looksEncrypted(start: Buffer): boolean {
  return start.length >= MAGIC.length && start.subarray(0, MAGIC.length).equals(MAGIC);
}

/** A header, or why these bytes are not one. */
export function parseHeader(bytes: Buffer, key: string): Header {
  if (bytes.length < HEADER_BYTES || !looksEncrypted(bytes)) {
    throw notAuthentic(key, 'it is not an encrypted dbrollback object (no encryption header): it was not written with encryption on, or was replaced');
  }
  if (bytes[7] !== VERSION) throw notAuthentic(key, `its format version ${bytes[7]} is not one this dbrollback reads (${VERSION})`);
  const header = parseHeaderBytes(bytes.subarray(0, HEADER_BYTES));
  if (!header) throw notAuthentic(key, 'its encryption header is malformed');
  return header;
}

function parseHeaderBytes(bytes: Buffer): Header | undefined {
  const kdf = bytes[8] === KDF_RAW ? 'raw' : bytes[8] === KDF_SCRYPT ? 'scrypt' : undefined;
  if (!kdf || bytes.readUInt32BE(12) !== CHUNK_SIZE) return undefined;
  const scryptParams = { logN: bytes[9]!, r: bytes[10]!, p: bytes[11]! };
  // Bounded so a forged header cannot make us allocate gigabytes.
  if (kdf === 'scrypt' && (scryptParams.logN < 10 || scryptParams.logN > 20 || scryptParams.r < 1 || scryptParams.r > 16 || scryptParams.p !== 1)) return undefined;
  return {
    bytes: Buffer.from(bytes),
    kdf,
    scrypt: scryptParams,
    salt: Buffer.from(bytes.subarray(16, 32)),
    keyId: Buffer.from(bytes.subarray(32, 40)),
    nonce: Buffer.from(bytes.subarray(40, 56)),
  };
}

/** The per-object AES key. */
export function objectKey(master: MasterKey, header: Header): Buffer {
  return Buffer.from(hkdfSync('sha256', master.key, header.nonce, 'dbrollback-storage-v1 object key', 32));
}

export function chunkNonce(index: number, final: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(Math.floor(index / 2 ** 32), 3);
  nonce.writeUInt32BE(index % 2 ** 32, 7);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

export function associatedData(header: Header, key: string): Buffer {
  return Buffer.concat([header.bytes, Buffer.from(key, 'utf8')]);
}

/** Plaintext size of a well-formed encrypted object of `stored` bytes (listings show what was stored, not its envelope). */
export function plaintextSize(stored: number): number {
  const payload = stored - HEADER_BYTES - TRAILER_BYTES;
  if (payload <= 0) return 0;
  const chunks = Math.ceil(payload / (CHUNK_SIZE + TAG_BYTES));
  return payload - chunks * TAG_BYTES;
}

export function notAuthentic(key: string, why: string, extra: { cause?: unknown; chunk?: number } = {}): DbrollbackError {
  return new DbrollbackError('OBJECT_NOT_AUTHENTIC', `object "${key}" was refused: ${why}`, {
    hint: 'Nothing was changed. The object is damaged, or was not written by dbrollback with the configured key; do not use it. `dbrollback backups` lists the backups that remain.',
    cause: extra.cause,
    details: { key, ...(extra.chunk !== undefined ? { chunk: extra.chunk } : {}) },
  });
}

export function wrongKey(key: string, header: Header, master: MasterKey | undefined, configured: EncryptionKey): DbrollbackError {
  const kinds = header.kdf === 'scrypt' ? 'a passphrase' : 'a raw key';
  const mismatch = (header.kdf === 'scrypt') !== (configured.kind === 'passphrase');
  const why = mismatch
    ? `it was encrypted with ${kinds}, but ${configured.source} is configured`
    : `it was encrypted with another ${header.kdf === 'scrypt' ? 'passphrase' : 'key'} (key id ${header.keyId.toString('hex')}; the configured one from ${configured.source} has id ${master?.keyId.toString('hex') ?? '?'})`;
  return new DbrollbackError('ENCRYPTION_KEY_WRONG', `object "${key}" cannot be decrypted: ${why}`, {
    hint: 'Nothing was changed. Configure the key this storage was written with (DBROLLBACK_ENCRYPTION_KEY, DBROLLBACK_ENCRYPTION_KEY_FILE or encryptionKeyFile, or DBROLLBACK_ENCRYPTION_PASSPHRASE) and run again.',
    details: { key, keyId: header.keyId.toString('hex') },
  });
}

export function keyMissing(key: string, storageUrl?: string): DbrollbackError {
  const what = storageUrl ? `storage ${storageUrl} is encrypted (it holds "${key}")` : `object "${key}" is encrypted`;
  return new DbrollbackError('ENCRYPTION_KEY_MISSING', `${what}, but no encryption key is configured`, {
    hint: 'Nothing was changed. Give the key this storage was written with: --encryption-key-file FILE (or encryptionKeyFile in the config file, or DBROLLBACK_ENCRYPTION_KEY_FILE), DBROLLBACK_ENCRYPTION_KEY, or DBROLLBACK_ENCRYPTION_PASSPHRASE. For archive_command: `dbrollback archive-command --storage URL --encryption-key-file FILE` prints it, or put the variable in the server\'s environment.',
    details: { key },
  });
}
