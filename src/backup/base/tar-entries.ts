/**
 * The entries of a tar stream as the bytes pass through, from their 512-byte
 * headers: every name, and the content of a few small named files (PostgreSQL's
 * backup_label and backup_manifest, which say where the backup's WAL starts
 * and ends). Nothing else is buffered.
 */
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
/** A backup_manifest lists every file; large clusters make it a few MB. */
const MAX_CAPTURE = 256 * 1024 * 1024;

export class TarEntries extends Transform {
  readonly names: string[] = [];
  readonly captured = new Map<string, Buffer>();
  /** Bytes of the current entry's data still to come, and of its padding after that. */
  private dataLeft = 0;
  private padLeft = 0;
  private capturing: Buffer[] | null = null;
  private header = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly capture: readonly string[]) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - at);
        this.capturing?.push(chunk.subarray(at, at + n));
        this.dataLeft -= n;
        at += n;
        if (this.dataLeft === 0 && this.capturing) {
          this.captured.set(this.names.at(-1)!, Buffer.concat(this.capturing));
          this.capturing = null;
        }
        continue;
      }
      if (this.padLeft > 0) {
        const n = Math.min(this.padLeft, chunk.length - at);
        this.padLeft -= n;
        at += n;
        continue;
      }
      const n = Math.min(BLOCK - this.header.length, chunk.length - at);
      this.header = Buffer.concat([this.header, chunk.subarray(at, at + n)]);
      at += n;
      if (this.header.length === BLOCK) this.readHeader();
    }
    callback(null, chunk);
  }

  private readHeader(): void {
    const block = this.header;
    this.header = Buffer.alloc(0);
    // An all-zero block is the end-of-archive marker.
    if (block.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const text = (from: number, to: number) => block.subarray(from, to).toString('utf8').replace(/\0.*$/s, '');
    const name = text(0, 100);
    const prefix = text(345, 500);
    const full = prefix ? `${prefix}/${name}` : name;
    const size = parseInt(text(124, 136).trim() || '0', 8);
    this.names.push(full);
    this.dataLeft = size;
    this.padLeft = Math.ceil(size / BLOCK) * BLOCK - size;
    this.capturing = this.capture.includes(full) && size <= MAX_CAPTURE && size > 0 ? [] : null;
  }
}
