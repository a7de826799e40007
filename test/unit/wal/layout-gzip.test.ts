import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { gunzipMember, gzipMember, WalObjectError } from '../../../src/backup/wal/gzip-member.js';
import { checkWalName, formatLsn, lsnSegment, parseLsn, parseWalName, segmentName, segmentNumber, walKey, walNameOfKey } from '../../../src/backup/wal/layout.js';
import { parseHistory, timelineOfSegment } from '../../../src/backup/wal/timeline-history.js';
import { backupPositions } from '../../../src/backup/base/base-backup.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const collect = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const sink = () => {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }), bytes: () => Buffer.concat(chunks) };
};

describe('WAL archive layout', () => {
  it('files every kind of WAL file under its own timeline', () => {
    expect(walKey(checkWalName('000000020000000A000000FF'))).toBe('wal/00000002/000000020000000A000000FF.gz');
    expect(walKey(checkWalName('000000020000000A000000FF.partial'))).toBe('wal/00000002/000000020000000A000000FF.partial.gz');
    expect(walKey(checkWalName('000000010000000000000002.00000028.backup'))).toBe('wal/00000001/000000010000000000000002.00000028.backup.gz');
    expect(walKey(checkWalName('00000003.history'))).toBe('wal/00000003/00000003.history.gz');
    expect(walNameOfKey('wal/00000002/00000003.history.gz')).toBeNull();
    for (const bad of ['RECOVERYXLOG', '00000001000000000000000g', '0000000100000000000000011', '../00000001.history']) expect(parseWalName(bad)).toBeNull();
    expect(() => checkWalName('x.txt')).toThrow(expect.objectContaining({ code: 'WAL_NAME_INVALID' }));
  });

  it('counts segments and LSNs as PostgreSQL does (256 segments of 16 MB per log id)', () => {
    const size = 16 * 1024 * 1024;
    expect(segmentNumber('0000000100000001000000FF', size)).toBe(511n);
    expect(segmentName('00000001', 512n, size)).toBe('000000010000000200000000');
    expect(lsnSegment(parseLsn('1/FF000028'), size)).toBe(511n);
    expect(formatLsn(parseLsn('16/b374d848'))).toBe('16/B374D848');
    expect(segmentName('00000001', 3n, 64 * 1024 * 1024)).toBe('000000010000000000000003');
    expect(() => parseLsn('0/xyz')).toThrow(/not an LSN/);
  });

  it('follows timeline history: each segment from the newest timeline begun by then', () => {
    const spans = parseHistory('1\t0/5000060\tno recovery target specified\n\n2\t0/9000000\tbefore 2026-01-02\n', 3);
    expect(spans.map((s) => [s.timeline, formatLsn(s.begin)])).toEqual([
      ['00000001', '0/0'],
      ['00000002', '0/5000060'],
      ['00000003', '0/9000000'],
    ]);
    const size = 16 * 1024 * 1024;
    expect([4n, 5n, 8n, 9n, 12n].map((n) => timelineOfSegment(spans, n, size))).toEqual(['00000001', '00000002', '00000002', '00000003', '00000003']);
  });

  it("reads a base backup's WAL range from backup_label and backup_manifest", () => {
    const label = Buffer.from('START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2000060\nSTART TIMELINE: 1\n');
    const manifest = Buffer.from(JSON.stringify({ 'WAL-Ranges': [{ Timeline: 1, 'Start-LSN': '0/2000028', 'End-LSN': '0/2000100' }] }));
    expect(backupPositions(label, manifest)).toEqual({ start: 0x2000028n, stop: 0x2000100n, timeline: 1 });
    expect(backupPositions(label, undefined)).toMatch(/no backup_manifest/);
  });
});

describe('WAL objects (gzip with the sha256 in FCOMMENT)', () => {
  const data = Buffer.concat([randomBytes(100_000), Buffer.alloc(300_000, 7)]);

  it('are deterministic, readable by any gunzip, and give back the same bytes with their sha256', async () => {
    const a = await collect(gzipMember(Readable.from([data]), sha(data)));
    const b = await collect(gzipMember(Readable.from([data.subarray(0, 5), data.subarray(5)]), sha(data)));
    expect(a.equals(b)).toBe(true);
    expect(gunzipSync(a).equals(data)).toBe(true);
    const out = sink();
    await expect(gunzipMember(Readable.from([a.subarray(0, 3), a.subarray(3)]), out.stream)).resolves.toEqual({ recorded: sha(data), actual: sha(data), size: data.length });
    expect(out.bytes().equals(data)).toBe(true);
  });

  it('report damage (CRC, truncation, a foreign gzip) as WalObjectError', async () => {
    const good = await collect(gzipMember(Readable.from([data]), sha(data)));
    const flipped = Buffer.from(good);
    flipped[flipped.length - 6] = flipped[flipped.length - 6]! ^ 1;
    await expect(gunzipMember(Readable.from([flipped]), sink().stream)).rejects.toBeInstanceOf(WalObjectError);
    await expect(gunzipMember(Readable.from([good.subarray(0, good.length - 100)]), sink().stream)).rejects.toBeInstanceOf(WalObjectError);
    const { gzipSync } = await import('node:zlib');
    await expect(gunzipMember(Readable.from([gzipSync(data)]), sink().stream)).rejects.toThrow(/no sha256 in its header/);
  });
});
