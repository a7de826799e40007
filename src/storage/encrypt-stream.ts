/**
 * Plaintext in, encrypted object out (format in encryption-format.ts), one
 * chunk at a time: memory stays near one chunk whatever the object's size.
 * The plaintext's sha256, needed for the trailer, is also what `put` reports.
 */
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { associatedData, CHUNK_SIZE, chunkNonce, objectKey, type Header, type MasterKey } from './encryption-format.js';

export class EncryptStream extends Transform {
  private readonly aesKey: Buffer;
  private readonly aad: Buffer;
  private readonly hash: Hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private plainBytes = 0;
  private digest: string | undefined;

  constructor(master: MasterKey, private readonly header: Header, storageKey: string, private readonly onProgress?: (plainBytes: number) => void) {
    super();
    this.aesKey = objectKey(master, header);
    this.aad = associatedData(header, storageKey);
    this.push(header.bytes);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.plainBytes += chunk.length;
    this.onProgress?.(this.plainBytes);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= CHUNK_SIZE) {
      let all = Buffer.concat(this.pending);
      while (all.length >= CHUNK_SIZE) {
        this.push(this.seal(all.subarray(0, CHUNK_SIZE), false));
        all = all.subarray(CHUNK_SIZE);
      }
      this.pending = all.length > 0 ? [Buffer.from(all)] : [];
      this.pendingBytes = all.length;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingBytes > 0) this.push(this.seal(Buffer.concat(this.pending), false));
    const trailer = Buffer.alloc(40);
    const digest = this.hash.digest();
    this.digest = digest.toString('hex');
    digest.copy(trailer, 0);
    trailer.writeBigUInt64BE(BigInt(this.plainBytes), 32);
    this.push(this.seal(trailer, true));
    callback();
  }

  /** Plaintext bytes taken in so far. */
  get bytes(): number {
    return this.plainBytes;
  }

  /** The plaintext's hex sha256 (the one sealed in the trailer); only once the stream has ended. */
  sha256(): string | undefined {
    return this.digest;
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    const cipher = createCipheriv('aes-256-gcm', this.aesKey, chunkNonce(this.index++, final));
    cipher.setAAD(this.aad);
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }
}
