/**
 * Encrypted object in, plaintext out. No byte of a chunk is released before
 * its tag checks, and the stream fails (OBJECT_NOT_AUTHENTIC) unless it ends
 * with the authenticated trailer (final flag, next index, the size that came
 * out): a cut, reordered, spliced or altered object is refused.
 *
 * `ready` settles once the header and the first chunk are authenticated (or
 * the whole object, when it is small), so a caller can refuse a planted
 * object before it starts anything that acts on the bytes.
 */
import { createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { associatedData, CHUNK_SIZE, chunkNonce, HEADER_BYTES, notAuthentic, objectKey, parseHeader, TAG_BYTES, TRAILER_BYTES, type Header, type MasterKey } from './encryption-format.js';

const FULL = CHUNK_SIZE + TAG_BYTES;

/** The master key for a header, or the error that says why there is none (wrong key, wrong kind). */
export type MasterFor = (header: Header) => Promise<MasterKey>;

export class DecryptStream extends Transform {
  readonly ready: Promise<void>;
  private settleReady!: (err?: Error) => void;
  private buffer: Buffer = Buffer.alloc(0);
  private header: Header | undefined;
  private aesKey: Buffer | undefined;
  private aad: Buffer | undefined;
  private index = 0;
  private plainBytes = 0;
  private trailerSha256: string | undefined;

  constructor(private readonly masterFor: MasterFor, private readonly storageKey: string) {
    super();
    this.ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      this.settleReady = (err) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
    });
    this.ready.catch(() => undefined);
    this.on('error', (err) => this.settleReady(err));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.process(false).then(() => callback(), (err: Error) => callback(err));
  }

  override _flush(callback: TransformCallback): void {
    this.process(true).then(() => callback(), (err: Error) => callback(err));
  }

  private async process(ending: boolean): Promise<void> {
    if (!this.header) {
      if (this.buffer.length < HEADER_BYTES && !ending) return;
      const header = parseHeader(this.buffer, this.storageKey);
      const master = await this.masterFor(header);
      this.header = header;
      this.aesKey = objectKey(master, header);
      this.aad = associatedData(header, this.storageKey);
      this.buffer = this.buffer.subarray(HEADER_BYTES);
    }
    // More than a full chunk plus a trailer left: the first FULL bytes are certainly a whole data chunk.
    while (this.buffer.length > FULL + TRAILER_BYTES) {
      this.release(this.open(this.buffer.subarray(0, FULL), false));
      this.buffer = this.buffer.subarray(FULL);
    }
    if (!ending) return;
    const rest = this.buffer;
    if (rest.length < TRAILER_BYTES) throw notAuthentic(this.storageKey, 'it is truncated (its authenticated end is missing)');
    const dataBytes = rest.length - TRAILER_BYTES;
    if (dataBytes > 0) {
      if (dataBytes <= TAG_BYTES) throw notAuthentic(this.storageKey, 'it is truncated or has bytes appended');
      for (let at = 0; at < dataBytes; at += FULL) this.release(this.open(rest.subarray(at, Math.min(at + FULL, dataBytes)), false));
    }
    const trailer = this.open(rest.subarray(dataBytes), true);
    // Every chunk's tag already proved content and order; the size is a last cross-check, the digest is kept for create-only comparisons.
    if (Number(trailer.readBigUInt64BE(32)) !== this.plainBytes) throw notAuthentic(this.storageKey, 'its size does not match its authenticated trailer');
    this.trailerSha256 = trailer.subarray(0, 32).toString('hex');
    this.buffer = Buffer.alloc(0);
    this.settleReady();
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.aesKey!, chunkNonce(this.index, final));
    decipher.setAAD(this.aad!);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      this.index++;
      return plain;
    } catch (cause) {
      throw notAuthentic(this.storageKey, `chunk ${this.index} failed authentication (altered, truncated, reordered or taken from another object)`, { cause, chunk: this.index });
    }
  }

  /** The plaintext's sha256 as sealed in the trailer (hex), once the stream has ended. */
  sha256(): string | undefined {
    return this.trailerSha256;
  }

  /** Plaintext bytes released so far. */
  get bytes(): number {
    return this.plainBytes;
  }

  private release(plain: Buffer): void {
    this.plainBytes += plain.length;
    this.push(plain);
    this.settleReady();
  }
}
