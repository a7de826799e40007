/**
 * One snapshot for the whole backup: a REPEATABLE READ transaction exports
 * its snapshot, pg_dump imports it (--snapshot), and the row counts and
 * fingerprints are taken in that same transaction. The manifest's baseline
 * then describes exactly the rows in the dump, even while the application
 * keeps writing.
 */
import { connect, queryError, serverVersion, type Db } from '../db/connection.js';
import type { ConnInfo } from '../db/conninfo.js';

export interface DumpSnapshot {
  /** The connection holding the snapshot open (fingerprint through it). */
  readonly db: Db;
  /** The exported snapshot id for pg_dump --snapshot. */
  readonly id: string;
  readonly database: string;
  readonly serverVersion: { num: number; major: number; text: string };
  /** pg_database_size: an upper-bound estimate of the dump's size. */
  readonly databaseBytes: number;
  readonly locale: { encoding: string; collate: string; ctype: string };
  /** End the transaction and the connection (only after pg_dump has finished). */
  close(): Promise<void>;
}

export async function openSnapshot(conn: ConnInfo): Promise<DumpSnapshot> {
  const db = await connect(conn);
  try {
    const version = await serverVersion(db);
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const { rows } = await db.query<{ id: string; database: string; bytes: string; encoding: string; collate: string; ctype: string }>(
      `SELECT pg_catalog.pg_export_snapshot() AS id, current_database() AS database,
              pg_catalog.pg_database_size(current_database())::text AS bytes,
              pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype
         FROM pg_catalog.pg_database d WHERE d.datname = current_database()`,
    );
    const row = rows[0]!;
    return {
      db,
      id: row.id,
      database: row.database,
      serverVersion: version,
      databaseBytes: Number(row.bytes),
      locale: { encoding: row.encoding, collate: row.collate, ctype: row.ctype },
      async close() {
        await db.query('ROLLBACK').catch(() => undefined);
        await db.end().catch(() => undefined);
      },
    };
  } catch (err) {
    await db.end().catch(() => undefined);
    throw queryError('could not open a snapshot for the backup', err);
  }
}
