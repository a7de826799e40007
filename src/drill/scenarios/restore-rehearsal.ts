/**
 * The way back of a tool without down migrations (Drizzle, Prisma), as the
 * migrations drill rehearses it instead of a down: a logical backup of the
 * throwaway database before each up (what `migrate --backup always` takes,
 * with the head before the migration in its manifest), then, on the way
 * down, that backup restored through dbrollback's own restore — the one
 * `restore --before-migration X --backup auto` runs — into the walk's
 * database, proven against its manifest; the scenario then compares the
 * restored schema and every table's rows with the state before the up.
 * The backups live in a directory of their own, removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backup } from '../../backup/backup.js';
import { restore } from '../../backup/restore/restore.js';
import { connToUrl, withDatabase, type ConnInfo } from '../../db/conninfo.js';
import { openStorage } from '../../storage/open-storage.js';
import type { Storage } from '../../storage/contract.js';
import { freshDatabase } from '../scratch-database.js';
import { DrillFinding } from '../steps.js';

export class RestoreRehearsal {
  private constructor(
    private readonly dir: string,
    private readonly storage: Storage,
    private readonly migrator: string,
    private readonly log: (line: string) => void,
  ) {}

  static async open(migrator: string, log: (line: string) => void): Promise<RestoreRehearsal> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-drill-backups-'));
    return new RestoreRehearsal(dir, openStorage(dir), migrator, log);
  }

  /** The backup before an up: the database as it is, `head` (the last applied migration) in its manifest. Returns its id. */
  async backupBefore(conn: ConnInfo, head: string | null, migration: string): Promise<string> {
    const taken = await backup(
      { conn, storage: this.storage, headLookup: async () => ({ configured: true, head, migrator: this.migrator }) },
      { label: `drill: before ${migration}`, onStep: this.log },
    );
    return taken.manifest.id;
  }

  /** Replace `database` on the server with backup `id`, restored and verified against its manifest; returns the time it took. */
  async restoreInto(server: ConnInfo, database: string, id: string): Promise<number> {
    const started = performance.now();
    // Left for the restore to create, so the dump streams straight in.
    await freshDatabase(server, database, { create: false });
    const report = await restore(
      { conn: withDatabase(server, database), storage: this.storage, cwd: process.cwd() },
      // A throwaway server has none of production's roles; a rehearsal leaves no audit record.
      { backup: id, targetDatabase: connToUrl(withDatabase(server, database)), noOwner: true, noAudit: true, onStep: this.log },
    );
    if (report.error) throw new DrillFinding(`restoring backup ${id} failed: ${report.error.message}`);
    return performance.now() - started;
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
