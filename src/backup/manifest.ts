/**
 * A backup's manifest: written LAST, so a backup without one is incomplete and never used.
 * Verify reads `tables` as its baseline (row counts and fingerprints).
 */
import type { TableFingerprint } from '../fingerprint/fingerprint.js';
import type { BaseInfo } from './base/base-info.js';

export type BackupKind = 'logical' | 'base';

/**
 * What a partial logical backup holds (undo --backup tables): the data of
 * these tables only, and the schema of the whole database — a superset of
 * the schema the downs touch, so the tables restore with every schema,
 * type, function and sequence they depend on.
 */
export interface PartialCoverage {
  /** `schema.table` of every table whose rows are in the dump. */
  tables: string[];
  /** Always 'all' (schema only, every object): what the dump holds besides those rows. */
  schema: 'all';
  /** Why only these tables (e.g. "the downs of 005_x drop public.orders.note"). */
  reason: string;
}

export interface BackupManifest {
  /** Format version of this manifest. */
  version: 1;
  id: string;
  kind: BackupKind;
  createdAt: string;
  label: string | null;
  database: string;
  serverVersion: string;
  pgDumpVersion: string | null;
  migrationHead: string | null;
  migrator: string | null;
  /** Why no head is recorded, when none could be read (no migrations configured and no history table that names it). */
  migrationHeadNote?: string;
  /**
   * With no head recorded: the head as its tool's table identifies it, when that table records
   * versions, not names (golang-migrate, dbmate): the migration whose `tags` hold the version.
   */
  migrationHeadVersion?: { migrator: string; version: string };
  sizeBytes: number;
  sha256: string;
  /** Whether the uploaded object was read back and its sha256 checked (false with --no-readback). */
  verified: boolean;
  /** Storage keys of the objects this backup consists of (the dump; base backups may have more). */
  objects: string[];
  tables: TableFingerprint[];
  /**
   * True when `tables` was taken in the very snapshot pg_dump dumped
   * (pg_export_snapshot + pg_dump --snapshot): the baseline is then exact,
   * even with writes running during the backup.
   */
  tablesInDumpSnapshot?: boolean;
  /** The source database's encoding and locale, used to create a matching restore target. */
  locale?: { encoding: string; collate: string; ctype: string };
  /** Wall time of the backup (dump, upload, read-back), in milliseconds. */
  durationMs?: number;
  /** Present on a partial backup: what it covers (its `tables` fingerprints are of those tables only). */
  partial?: PartialCoverage;
  /** Base (physical) backups only: their WAL position, timeline and times. */
  base?: BaseInfo;
}
