/** Recovery targets as users type them, normalised to what PostgreSQL accepts. */
import { describe, expect, it } from 'vitest';
import { parseRecoveryTarget } from '../../../src/backup/pitr/target.js';
import { DbrollbackError } from '../../../src/errors.js';

const now = new Date('2026-06-01T12:00:00Z');

function refused(fn: () => unknown): DbrollbackError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DbrollbackError);
    expect((err as DbrollbackError).exitCode).toBe(2);
    return err as DbrollbackError;
  }
  throw new Error('expected a refusal');
}

describe('parseRecoveryTarget', () => {
  it('writes a Z time with a numeric offset (PostgreSQL rejects the abbreviation)', () => {
    const t = parseRecoveryTarget({ pointInTime: '2026-01-02T14:30:00Z', now });
    expect(t).toMatchObject({ kind: 'time', setting: '2026-01-02 14:30:00+00:00' });
    expect(t.kind === 'time' && t.time.toISOString()).toBe('2026-01-02T14:30:00.000Z');
  });

  it('accepts a space instead of T and a numeric offset, converting to UTC', () => {
    expect(parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00+01:00', now }).setting).toBe('2026-01-02 13:30:00+00:00');
    expect(parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00-0530', now }).setting).toBe('2026-01-02 20:00:00+00:00');
    expect(parseRecoveryTarget({ pointInTime: '2026-01-02 14:30+02', now }).setting).toBe('2026-01-02 12:30:00+00:00');
  });

  it('keeps microseconds exactly as given', () => {
    const t = parseRecoveryTarget({ pointInTime: '2026-01-02T14:30:00.123456+01:00', now });
    expect(t.setting).toBe('2026-01-02 13:30:00.123456+00:00');
    expect(t.kind === 'time' && t.time.toISOString()).toBe('2026-01-02T13:30:00.123Z');
  });

  it('refuses a time without a zone unless --timezone says which', () => {
    const err = refused(() => parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00', now }));
    expect(err.message).toContain('no time zone');
    expect(err.hint).toContain('--timezone');
    expect(parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00', timezone: 'Europe/Paris', now }).setting).toBe('2026-01-02 13:30:00+00:00');
    // Summer time in Paris is UTC+2.
    expect(parseRecoveryTarget({ pointInTime: '2026-05-02 14:30:00', timezone: 'Europe/Paris', now }).setting).toBe('2026-05-02 12:30:00+00:00');
    expect(parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00', timezone: 'UTC', now }).setting).toBe('2026-01-02 14:30:00+00:00');
    expect(parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00', timezone: '-03:00', now }).setting).toBe('2026-01-02 17:30:00+00:00');
  });

  it('refuses a wall time the clocks skipped, an unknown zone, and a zone given twice', () => {
    expect(refused(() => parseRecoveryTarget({ pointInTime: '2026-03-29 02:30:00', timezone: 'Europe/Paris', now })).message).toContain('does not exist');
    expect(refused(() => parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00', timezone: 'Mars/Olympus', now })).message).toContain('not a time zone');
    expect(refused(() => parseRecoveryTarget({ pointInTime: '2026-01-02 14:30:00Z', timezone: 'UTC', now })).message).toContain('already has a zone');
  });

  it('refuses unparseable and impossible times', () => {
    for (const text of ['yesterday', '2026-01-02', '2026-02-30 10:00:00Z', '2026-01-02 24:00:00Z', '2026-01-02 10:00:00 CET', '2026-01-02 10:00:00+25:00']) {
      refused(() => parseRecoveryTarget({ pointInTime: text, now }));
    }
  });

  it('refuses a time in the future', () => {
    const err = refused(() => parseRecoveryTarget({ pointInTime: '2026-06-01T12:00:01Z', now }));
    expect(err.message).toContain('in the future');
  });

  it('takes exactly one target', () => {
    expect(refused(() => parseRecoveryTarget({ pointInTime: '2026-01-02T14:30:00Z', lsn: '0/3000000', now })).message).toBe('give one recovery target, not --point-in-time and --lsn');
    expect(refused(() => parseRecoveryTarget({ now })).message).toContain('needs a target');
    expect(refused(() => parseRecoveryTarget({ lsn: '0/3000000', timezone: 'UTC', now })).message).toContain('--timezone only applies');
  });

  it('normalises an LSN and refuses what is not one', () => {
    expect(parseRecoveryTarget({ lsn: '0/5000a60' })).toMatchObject({ kind: 'lsn', lsn: 0x5000a60n, setting: '0/5000A60' });
    expect(parseRecoveryTarget({ lsn: '16/B374D848' }).setting).toBe('16/B374D848');
    for (const lsn of ['5000060', '0/', 'x/1', '123456789/0']) refused(() => parseRecoveryTarget({ lsn }));
  });

  it('takes restore point names PostgreSQL could have created', () => {
    expect(parseRecoveryTarget({ restorePoint: "before 042 'drop'" })).toMatchObject({ kind: 'name', setting: "before 042 'drop'" });
    refused(() => parseRecoveryTarget({ restorePoint: '' }));
    refused(() => parseRecoveryTarget({ restorePoint: 'x'.repeat(64) }));
    refused(() => parseRecoveryTarget({ restorePoint: 'a\nb' }));
  });
});
