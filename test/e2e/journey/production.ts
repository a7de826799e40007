/**
 * The production a journey starts from: a primary archiving its WAL through
 * the built CLI's wal-push into a file storage, one empty database, and a
 * base backup taken through the built CLI — what a team running point-in-time
 * recovery has before its first `dbrollback migrate`.
 */
import { pathToFileURL } from 'node:url';
import type { Cluster } from '../../harness/cluster.js';
import { archivingCluster, baseBackup, sharedDir } from '../../integration/pitr/support.js';

export interface JourneyProduction {
  primary: Cluster;
  /** The storage's file:// URL (the WAL archive and the base backup). */
  storage: string;
  /** The database's URL (with the superuser's password, as the harness gives it). */
  url: string;
  /** `projectArgs` with --database-url and --storage: what every command of the journey is given. */
  args: string[];
}

/** `projectArgs`: the project's own flags (--migrations, --migrator). `prefix` names the storage folder. */
export async function journeyProduction(prefix: string, projectArgs: string[]): Promise<JourneyProduction> {
  const storage = pathToFileURL(await sharedDir(prefix)).href;
  const primary = await archivingCluster(storage);
  const { database } = await primary.createDatabase();
  const url = primary.url(database);
  await baseBackup(storage, url);
  return { primary, storage, url, args: [...projectArgs, '--database-url', url, '--storage', storage] };
}
