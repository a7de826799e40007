/**
 * One gzip member with the uncompressed file's sha256 in its FCOMMENT field,
 * written and read back (see layout.ts for why). Node's zlib writes no header
 * fields, so the header and trailer are written here around a raw deflate
 * stream; reading uses zlib's own gunzip, which checks CRC-32 and length.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { createDeflateRaw, createGunzip, crc32 } from 'node:zlib';
import { SHA256_COMMENT_PREFIX, WAL_GZIP_LEVEL } from './layout.js';

const ID1 = 0x1f;
const ID2 = 0x8b;
const CM_DEFLATE = 8;
const FLG_FCOMMENT = 0x10;
const OS_UNKNOWN = 255;

function header(sha256: string): Buffer {
  // MTIME 0 and a fixed OS byte: the same file always gives the same object.
  const fixed = Buffer.from([ID1, ID2, CM_DEFLATE, FLG_FCOMMENT, 0, 0, 0, 0, 0, OS_UNKNOWN]);
  return Buffer.concat([fixed, Buffer.from(`${SHA256_COMMENT_PREFIX}${sha256}`, 'latin1'), Buffer.from([0])]);
}

/** The gzip member of `source` (whose sha256 is already known) as a stream. */
export function gzipMember(source: Readable, sha256: string, level = WAL_GZIP_LEVEL): Readable {
  let crc = 0;
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  // The callback form returns the last stream; an error anywhere destroys it, failing the reader.
  const deflated = pipeline(source, tap, createDeflateRaw({ level, chunkSize: 256 * 1024 }), () => undefined);
  return Readable.from(
    (async function* () {
      yield header(sha256);
      for await (const chunk of deflated) yield chunk as Buffer;
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(crc >>> 0, 0);
      trailer.writeUInt32LE(size % 0x1_0000_0000, 4);
      yield trailer;
    })(),
    { objectMode: false },
  );
}

/**
 * The gzip member of a file, read through one reused buffer: each chunk goes to deflate and the buffer is
 * refilled only once deflate has consumed it. A WAL segment then costs one buffer and zlib's state rather
 * than 16 MB of short-lived chunks, which Node frees only when it next collects (wal-push runs once per
 * segment; its peak memory is what the server's host pays).
 */
export function gzipFile(file: string, sha256: string, level = WAL_GZIP_LEVEL, collect?: () => void): Readable {
  let crc = 0;
  let size = 0;
  const deflate = createDeflateRaw({ level, chunkSize: OUT_CHUNK });
  const fed = (async () => {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(IN_CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        crc = crc32(chunk, crc);
        size += bytesRead;
        await new Promise<void>((resolve, reject) => deflate.write(chunk, (err) => (err ? reject(err) : resolve())));
        // deflate's output chunks are garbage once stored: a young-generation collection now and then frees them.
        if (collect && size % COLLECT_EVERY === 0) collect();
      }
      deflate.end();
    } catch (err) {
      deflate.destroy(err as Error);
    } finally {
      await handle.close();
    }
  })();
  return Readable.from(
    (async function* () {
      yield header(sha256);
      for await (const chunk of deflate) yield chunk as Buffer;
      await fed;
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(crc >>> 0, 0);
      trailer.writeUInt32LE(size % 0x1_0000_0000, 4);
      yield trailer;
    })(),
    { objectMode: false },
  );
}

/** sha256 and size of a file, read through one reused buffer (see gzipFile). */
export async function fileDigest(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(IN_CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

const IN_CHUNK = 128 * 1024;
const OUT_CHUNK = 64 * 1024;
const COLLECT_EVERY = 1024 * 1024;

export class WalObjectError extends Error {}

/**
 * Decompress a stored object into `sink`, returning the sha256 recorded in its
 * header and the sha256 and size of what came out. Throws WalObjectError when
 * the header is not ours or gzip's CRC/length do not match.
 */
export async function gunzipMember(stored: Readable, sink: NodeJS.WritableStream): Promise<{ recorded: string; actual: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  let recorded: string | undefined;
  let head = Buffer.alloc(0);
  // Large output chunks: a 16 MB segment then passes the hash and the file in 64 writes, not 1,024.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const parseHeader = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      if (recorded === undefined) {
        head = Buffer.concat([head, chunk]);
        const parsed = readComment(head);
        if (parsed === 'need-more') return callback();
        if (parsed === null) return callback(new WalObjectError('the object is not a gzip member written by dbrollback wal-push (no sha256 in its header)'));
        recorded = parsed;
        const all = head;
        head = Buffer.alloc(0);
        return callback(null, all);
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      callback(recorded === undefined ? new WalObjectError('the object ended inside its gzip header') : null);
    },
  });
  const count = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await new Promise<void>((resolve, reject) => {
    pipeline(stored, parseHeader, gunzip, count, sink, (err) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // zlib's own verdicts on the bytes (bad CRC, truncation, garbage) are damage, not I/O trouble.
      if (err instanceof WalObjectError || code.startsWith('Z_') || /unexpected end of file/i.test(err.message)) reject(new WalObjectError(err.message));
      else reject(err);
    });
  });
  return { recorded: recorded!, actual: hash.digest('hex'), size };
}

/**
 * The sha256 a stored object's header records, read from its first bytes only (the stream is then
 * destroyed), or null when the object has no header of ours. It proves nothing about the rest of the
 * object: a caller that relies on the content must gunzip it (gunzipMember).
 */
export async function recordedDigest(stored: Readable): Promise<string | null> {
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stored) {
      head = Buffer.concat([head, chunk as Buffer]);
      const parsed = readComment(head);
      if (parsed !== 'need-more') return parsed;
    }
    return null;
  } finally {
    stored.destroy();
  }
}

/** The FCOMMENT sha256 of a gzip header, 'need-more' until the header is complete, null if absent. */
function readComment(buf: Buffer): string | null | 'need-more' {
  if (buf.length < 10) return 'need-more';
  if (buf[0] !== ID1 || buf[1] !== ID2 || buf[2] !== CM_DEFLATE) return null;
  const flags = buf[3]!;
  let at = 10;
  if (flags & 0x04) {
    if (buf.length < at + 2) return 'need-more';
    at += 2 + buf.readUInt16LE(at);
  }
  if (flags & 0x08) {
    const end = buf.indexOf(0, at);
    if (end < 0) return buf.length > 4096 ? null : 'need-more';
    at = end + 1;
  }
  if (!(flags & FLG_FCOMMENT)) return null;
  const end = buf.indexOf(0, at);
  if (end < 0) return buf.length > 4096 ? null : 'need-more';
  const comment = buf.subarray(at, end).toString('latin1');
  const m = new RegExp(`^${SHA256_COMMENT_PREFIX}([0-9a-f]{64})$`).exec(comment);
  return m ? m[1]! : null;
}
