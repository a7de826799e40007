/**
 * The check that makes a backup usable: the stored object read back from the
 * storage must hash to what was uploaded. Shared by logical and base backups;
 * a mismatch is CHECKSUM_MISMATCH and no manifest is ever written for it.
 */
import { withFaultPoint } from '../audit/fault-point.js';
import { DbrollbackError } from '../errors.js';
import { transferMeter, type ProgressListener } from '../progress.js';
import type { PutResult, Storage } from '../storage/contract.js';
import { digestOf } from '../storage/digest.js';

export interface ReadBackOptions {
  /** What the object is, for messages ("backup B: the stored dump"). */
  what: string;
  /** "take a new backup" / "take a new base backup". */
  retake: string;
  onProgress?: ProgressListener | undefined;
  signal?: AbortSignal | undefined;
  /** A read that breaks off (storage error) as the caller reports it. */
  onReadError?: (cause: unknown) => Error;
}

export async function readBack(storage: Storage, stored: PutResult, options: ReadBackOptions): Promise<void> {
  const meter = transferMeter('readback', stored.size, options.onProgress);
  const stream = withFaultPoint('backup:readback', await storage.get(stored.key), options.signal);
  let read = 0;
  stream.on('data', (chunk: Buffer) => meter.update((read += chunk.length)));
  const back = await digestOf(stream).catch((cause: unknown) => {
    throw options.onReadError ? options.onReadError(cause) : cause;
  });
  meter.finish(back.size);
  if (back.sha256 !== stored.sha256 || back.size !== stored.size) {
    throw new DbrollbackError('CHECKSUM_MISMATCH', `${options.what} does not match what was uploaded (sha256 ${back.sha256.slice(0, 12)}…, ${back.size} bytes; expected ${stored.sha256.slice(0, 12)}…, ${stored.size} bytes); no manifest was written, so it will never be used`, {
      hint: `The storage corrupted or truncated the object. Check the storage server, then ${options.retake}.`,
      details: { key: stored.key, expected: stored.sha256, actual: back.sha256 },
    });
  }
}
