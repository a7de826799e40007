/**
 * sha256 and byte count of a stream, computed as the bytes pass through, so a
 * dump is hashed on its way to storage without ever being held whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';

export class DigestStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private digest: string | undefined;

  constructor(private readonly onProgress?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    this.onProgress?.(this.count);
    callback(null, chunk);
  }

  get bytes(): number {
    return this.count;
  }

  /** The hex sha256 of everything that passed; only once the stream has ended. */
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

/** Any body a driver accepts, as a Readable. */
export function toReadable(body: Readable | Uint8Array | string): Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return Readable.from([Buffer.from(body)]);
  return body;
}

/** Consume a stream; its sha256 and size. */
export async function digestOf(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
  }
  return { sha256: hash.digest('hex'), size };
}
