/**
 * The recovery target as users type it, checked and normalised into what
 * PostgreSQL accepts: exactly one of a time, an LSN or a restore point name.
 *
 * Times: ISO 8601 with `T` or a space, with `Z` or a numeric offset. PostgreSQL
 * does not accept every zone spelling in recovery_target_time (abbreviations
 * are looked up in its own zone tables, and `Z` is not portable), so the
 * setting is always written in UTC with a numeric `+00:00`. A time without a
 * zone is ambiguous at 3 a.m. across regions: it is refused unless
 * `--timezone` says which zone it is in.
 */
import { DbrollbackError } from '../../errors.js';
import { formatLsn, parseLsn } from '../wal/layout.js';

export type RecoveryTarget =
  | { kind: 'time'; /** The instant (millisecond precision; `setting` keeps the user's microseconds). */ time: Date; setting: string; display: string }
  | { kind: 'lsn'; lsn: bigint; setting: string; display: string }
  | {
      kind: 'name';
      name: string;
      setting: string;
      display: string;
      /**
       * Where the point lies, when the storage records it (`migrate` made it): its LSN, and the newest
       * earlier point of the same name. PostgreSQL stops at the first point of a name it replays, so
       * with an earlier namesake recovery targets the point's LSN instead (recovery-config.ts).
       */
      at?: { lsn: bigint; timeline: number; earlier: bigint | null };
    }
  /** Everything the archive holds: recovery runs until the WAL runs out, then promotes (drills, "the newest archived moment"). */
  | { kind: 'end'; setting: ''; display: string };

export interface TargetInput {
  pointInTime?: string;
  lsn?: string;
  restorePoint?: string;
  /** The zone of a zone-less --point-in-time: an IANA name (Europe/Paris), UTC, or an offset like +02:00. */
  timezone?: string;
  /** For tests: what "now" is when refusing a time in the future. */
  now?: Date;
  /** No target: recover to the end of the archive. */
  endOfArchive?: boolean;
}

/** PostgreSQL's MAXFNAMELEN - 1: the longest name pg_create_restore_point accepts. */
const MAX_RESTORE_POINT_BYTES = 63;

const TARGET_HINT = 'Give one of --point-in-time "2026-01-02 14:30:00+01:00", --lsn 0/5000060 or --restore-point NAME.';

export function parseRecoveryTarget(input: TargetInput): RecoveryTarget {
  const given = [
    input.pointInTime !== undefined && '--point-in-time',
    input.lsn !== undefined && '--lsn',
    input.restorePoint !== undefined && '--restore-point',
  ].filter((x): x is string => Boolean(x));
  if (input.endOfArchive && given.length === 0) return { kind: 'end', setting: '', display: 'the end of the archive' };
  if (given.length === 0) throw new DbrollbackError('USAGE', 'a point-in-time restore needs a target', { hint: TARGET_HINT });
  if (given.length > 1) {
    throw new DbrollbackError('USAGE', `give one recovery target, not ${given.join(' and ')}`, { hint: TARGET_HINT });
  }
  if (input.timezone !== undefined && input.pointInTime === undefined) {
    throw new DbrollbackError('USAGE', '--timezone only applies to --point-in-time', { hint: TARGET_HINT });
  }
  if (input.pointInTime !== undefined) return timeTarget(input.pointInTime, input.timezone, input.now ?? new Date());
  if (input.lsn !== undefined) {
    const lsn = lsnOrNull(input.lsn);
    if (lsn === null) {
      throw new DbrollbackError('USAGE', `--lsn "${input.lsn}" is not a WAL location`, {
        hint: 'An LSN is two hexadecimal numbers separated by a slash, as pg_current_wal_lsn() prints it: --lsn 0/5000060.',
      });
    }
    return { kind: 'lsn', lsn, setting: formatLsn(lsn), display: `LSN ${formatLsn(lsn)}` };
  }
  return nameTarget(input.restorePoint as string);
}

function lsnOrNull(text: string): bigint | null {
  try {
    return parseLsn(text);
  } catch {
    return null;
  }
}

function nameTarget(name: string): RecoveryTarget {
  // eslint-disable-next-line no-control-regex
  if (name === '' || /[\u0000-\u001f\u007f]/.test(name) || Buffer.byteLength(name) > MAX_RESTORE_POINT_BYTES) {
    throw new DbrollbackError('USAGE', `--restore-point ${JSON.stringify(name)} is not a restore point name`, {
      hint: `A restore point name is what pg_create_restore_point('NAME') was given: 1 to ${MAX_RESTORE_POINT_BYTES} bytes, no control characters.`,
    });
  }
  return { kind: 'name', name, setting: name, display: `restore point "${name}"` };
}

const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const TIME_HINT = 'Write the time as ISO 8601 with its zone, e.g. --point-in-time "2026-01-02 14:30:00+01:00" or 2026-01-02T13:30:00Z.';

function timeTarget(text: string, timezone: string | undefined, now: Date): RecoveryTarget {
  const m = TIME_PATTERN.exec(text.trim());
  if (!m) throw new DbrollbackError('USAGE', `--point-in-time "${text}" is not a date and time`, { hint: TIME_HINT });
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ?? '';
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new DbrollbackError('USAGE', `--point-in-time "${text}" is not a valid date and time`, { hint: TIME_HINT });
  }
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  let utcSeconds: number;
  if (m[8] !== undefined) {
    if (timezone !== undefined) {
      throw new DbrollbackError('USAGE', `--point-in-time "${text}" already has a zone; --timezone ${timezone} would contradict it`, { hint: 'Drop --timezone, or the zone in the time.' });
    }
    const offset = parseOffset(m[8]);
    if (offset === null) throw new DbrollbackError('USAGE', `--point-in-time "${text}" has an invalid zone offset "${m[8]}"`, { hint: TIME_HINT });
    utcSeconds = wall - offset * 60_000;
  } else {
    if (timezone === undefined) {
      throw new DbrollbackError('USAGE', `--point-in-time "${text}" has no time zone`, {
        hint: `Add the zone to the time (Z, +01:00) or say which zone it is in with --timezone (e.g. --timezone Europe/Paris or --timezone UTC).`,
      });
    }
    utcSeconds = wallInZone(wall, timezone, text);
  }
  const ms = fraction === '' ? 0 : Math.floor(Number(fraction.padEnd(3, '0').slice(0, 3)));
  const time = new Date(utcSeconds + ms);
  if (time.getTime() > now.getTime()) {
    throw new DbrollbackError('USAGE', `--point-in-time ${iso(time)} is in the future (now is ${iso(now)})`, {
      hint: 'Recovery can only go back in time: check the date and the zone (a missing offset is easy to get wrong).',
    });
  }
  const setting = `${iso(new Date(utcSeconds)).slice(0, 19).replace('T', ' ')}${fraction ? `.${fraction}` : ''}+00:00`;
  return { kind: 'time', time, setting, display: `${setting.replace('+00:00', ' UTC')}` };
}

function iso(date: Date): string {
  return date.toISOString();
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** "+01:00", "+0100", "+01", "Z" → minutes east of UTC; null when out of range. */
export function parseOffset(text: string): number | null {
  if (/^z$/i.test(text) || /^utc$/i.test(text)) return 0;
  const m = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return null;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? '0');
  if (hours > 15 || minutes > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** The UTC instant (ms) of a wall-clock time in `zone`; a time skipped by a DST change is refused. */
function wallInZone(wall: number, zone: string, text: string): number {
  const fixed = parseOffset(zone);
  if (fixed !== null) return wall - fixed * 60_000;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw new DbrollbackError('USAGE', `--timezone "${zone}" is not a time zone`, {
      hint: 'Use an IANA zone name such as Europe/Paris or America/New_York, UTC, or an offset like +02:00.',
    });
  }
  const wallOf = (instant: number): number => {
    const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
    return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  };
  // Two rounds find the offset in force at that instant (it can differ from the offset at the wall time read as UTC).
  let instant = wall - (wallOf(wall) - wall);
  instant = wall - (wallOf(instant) - instant);
  if (wallOf(instant) !== wall) {
    throw new DbrollbackError('USAGE', `--point-in-time "${text}" does not exist in ${zone} (the clocks skipped it at a daylight-saving change)`, {
      hint: 'Give the time with an explicit offset, e.g. "2026-03-29 02:30:00+01:00".',
    });
  }
  return instant;
}
