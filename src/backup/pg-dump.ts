/**
 * pg_dump -Fc as a stream. The output only ends cleanly once pg_dump has
 * exited with success: its stdout reaches EOF before the exit status is known,
 * and a dump cut short by a failure must fail the upload, not complete it.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { ConnInfo } from '../db/conninfo.js';
import type { PgBinary } from '../pgtools/binaries.js';
import { spawnTool, toolError } from '../pgtools/run.js';

export interface RunningDump {
  /** The archive's bytes; errors instead of ending if pg_dump fails. */
  readonly stream: Readable;
  /** Settles when pg_dump exits (rejects with a redacted TOOL_FAILED). */
  readonly exited: Promise<void>;
  /** Stop pg_dump (the upload failed). */
  kill(): void;
}

export function startDump(pgDump: PgBinary, conn: ConnInfo, snapshotId: string | undefined, excludeDataPatterns: readonly string[] = [], via: readonly string[] | null = null): RunningDump {
  const args = ['--format=custom', '--no-password', ...(snapshotId ? [`--snapshot=${snapshotId}`] : []), ...excludeDataPatterns.map((p) => `--exclude-table-data=${p}`)];
  // A stream we consume, never buffered whole; started without execa (spawnTool), the one program a backup runs;
  // through `via` (largeOutputBuffer: stdbuf) when that writes its archive in large pieces.
  const child = spawnTool(pgDump, args, { conn, via });
  const exited: Promise<void> = child.exited.catch((cause: unknown) => Promise.reject(toolError(pgDump, args, cause, conn)));
  exited.catch(() => undefined);
  const gate = new ExitGate(exited);
  child.stdout.pipe(gate);
  exited.catch((err: unknown) => gate.destroy(err as Error));
  return {
    stream: gate,
    exited,
    kill: () => child.kill(),
  };
}

/**
 * Passes a child's stdout through, and ends it only once the child exited
 * with success. pg_dump writes its archive a few KiB at a time (about 1,400
 * pipe reads for an 8 MiB dump), and every piece costs each stage after it
 * (hashing, the file write or the S3 part buffer, progress) a call of its
 * own: pieces are passed on in batches of at least BATCH_BYTES, so a dump
 * costs those stages ~40 times fewer calls. What is held back is at most one
 * batch.
 */
export class ExitGate extends Transform {
  static readonly BATCH_BYTES = 256 * 1024;
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly exited: Promise<void>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= ExitGate.BATCH_BYTES) this.release();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.exited.then(
      () => {
        this.release();
        callback();
      },
      (err: unknown) => callback(err as Error),
    );
  }

  private release(): void {
    if (this.heldBytes === 0) return;
    this.push(this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes));
    this.held = [];
    this.heldBytes = 0;
  }
}
