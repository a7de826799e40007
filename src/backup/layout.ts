/**
 * Where a backup's objects live in storage, and what a backup id looks like.
 *
 *   backups/<id>/dump.pgcustom   the pg_dump custom-format archive
 *   backups/<id>/base.tar.gz     a base backup: pg_basebackup's tar (with PostgreSQL's backup_manifest), gzipped
 *   backups/<id>/manifest.json   written last: a backup without it is incomplete
 *
 * Ids sort by time: 20261121T083000Z-a1b2c3 (UTC second + 6 random hex digits,
 * so two backups in the same second do not collide).
 */
import { randomBytes } from 'node:crypto';
import { DbrollbackError } from '../errors.js';

export const BACKUPS_PREFIX = 'backups/';
export const DUMP_NAME = 'dump.pgcustom';
export const MANIFEST_NAME = 'manifest.json';
export const BASE_TAR_NAME = 'base.tar.gz';

const ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
/** Any id another kind of backup might use: one safe key segment. */
const SEGMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function newBackupId(now: Date = new Date(), random: string = randomBytes(3).toString('hex')): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${random}`;
}

export function isBackupId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The time an id was made (second precision), or null if the id is not ours. */
export function backupIdTime(id: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(id);
  if (!m) return null;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Validate a user-supplied id before it becomes part of a key. */
export function checkBackupId(id: string): string {
  if (!SEGMENT_PATTERN.test(id) || id.includes('..')) {
    throw new DbrollbackError('BACKUP_NOT_FOUND', `"${id}" is not a backup id`, {
      hint: 'Use an id from `dbrollback backups` (like 20261121T083000Z-a1b2c3), or "latest".',
    });
  }
  return id;
}

export const dumpKey = (id: string): string => `${BACKUPS_PREFIX}${id}/${DUMP_NAME}`;
export const baseTarKey = (id: string): string => `${BACKUPS_PREFIX}${id}/${BASE_TAR_NAME}`;
export const manifestKey = (id: string): string => `${BACKUPS_PREFIX}${id}/${MANIFEST_NAME}`;
