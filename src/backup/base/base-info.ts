/**
 * What a base backup's manifest records about the cluster it copied: where
 * its WAL starts and stops, on which timeline, and when. Point-in-time
 * restore picks a base backup from these, and needs the archived WAL from
 * `startWal` to at least `stopWal` to make a copy consistent.
 */
export interface BaseInfo {
  /** Timeline the backup was taken on. */
  timeline: number;
  /** LSNs as PostgreSQL prints them ("0/2000028"). */
  startLsn: string;
  stopLsn: string;
  /** Segment names (24 hex digits) of the first and last WAL the backup needs. */
  startWal: string;
  stopWal: string;
  /** Server clock (ISO 8601) just before the backup began and just after it ended. */
  startTime: string;
  stopTime: string;
  systemIdentifier: string | null;
  walSegmentSize: number;
  /** Extra tablespaces (always empty: clusters with extra tablespaces are refused). */
  tablespaces: string[];
  /** Whether the tar holds PostgreSQL's backup_manifest (pg_basebackup injects it when writing a tar to stdout). */
  backupManifestInTar: boolean;
}
