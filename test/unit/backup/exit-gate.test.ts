import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitGate } from '../../../src/backup/pg-dump.js';

/** What comes out of the gate: the pieces, as they are passed on. */
async function through(chunks: Buffer[], exited: Promise<void>): Promise<Buffer[]> {
  const gate = new ExitGate(exited);
  Readable.from(chunks).pipe(gate);
  const out: Buffer[] = [];
  for await (const piece of gate) out.push(piece as Buffer);
  return out;
}

describe('ExitGate (pg_dump output on its way to storage)', () => {
  it('passes every byte on in order, in batches of at least 256 KiB but the last', async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => Buffer.alloc(6000, i % 251));
    const out = await through(chunks, Promise.resolve());
    expect(Buffer.concat(out).equals(Buffer.concat(chunks))).toBe(true);
    // 44 pieces of 6,000 bytes make the first batch of at least 256 KiB (264,000 bytes): four such, and the rest.
    expect(out.map((b) => b.length)).toEqual([264000, 264000, 264000, 264000, 144000]);
  });

  it('ends only once the program exited with success, and fails with its error otherwise (the held bytes are not passed on)', async () => {
    const failure = new Error('pg_dump failed (exit code 1)');
    await expect(through([Buffer.from('PGDMP partial')], Promise.reject(failure))).rejects.toThrow('pg_dump failed');
    expect(Buffer.concat(await through([Buffer.from('PGDMP'), Buffer.from(' whole')], Promise.resolve())).toString()).toBe('PGDMP whole');
  });
});
