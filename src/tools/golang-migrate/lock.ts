/**
 * golang-migrate's lock: its postgres driver holds `pg_advisory_lock(id)`
 * while it migrates (and while it creates its table), the id computed by
 * database.GenerateAdvisoryLockId (database/util.go, v4.18) over the database
 * name, the schema and the table of its history, NUL-separated: CRC-32 (IEEE)
 * times the salt 1486364155, modulo 2^32.
 *
 * Which database name it hashes depends on how it was opened: the `migrate`
 * CLI (postgres.Open) takes the URL's path, `/dbname` with its slash;
 * `postgres.WithInstance` (an application calling m.Up() at startup) asks
 * current_database(), `dbname`. dbrollback looks at, and takes, both.
 */
import { crc32 } from 'node:zlib';
import { advisoryLockHolder, describeHolder, type LockHolder } from '../../db/lock.js';
import type { Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';
import type { TableToolLock } from '../contract.js';
import { readVersion, resolveTable, type GolangMigrateTable } from './history.js';

const ADVISORY_LOCK_ID_SALT = 1_486_364_155n;

/** database.GenerateAdvisoryLockId(databaseName, schema, table). */
export function advisoryLockId(databaseName: string, ...additionalNames: string[]): bigint {
  const sum = crc32(Buffer.from([databaseName, ...additionalNames].join('\0'), 'utf8'));
  return (BigInt(sum) * ADVISORY_LOCK_ID_SALT) & 0xffff_ffffn;
}

/** Both ids golang-migrate may hold on this database for this history table (CLI's first). */
export async function lockIds(db: Db, table: GolangMigrateTable): Promise<bigint[]> {
  const { rows } = await db.query<{ db: string }>('SELECT current_database() AS db');
  const database = rows[0]!.db;
  const { schema, table: name } = await resolveTable(db, table);
  return [advisoryLockId(`/${database}`, schema, name), advisoryLockId(database, schema, name)];
}

export async function lockHolder(db: Db, table: GolangMigrateTable): Promise<LockHolder | null> {
  for (const id of await lockIds(db, table)) {
    const holder = await advisoryLockHolder(db, id);
    if (holder) return holder;
  }
  return null;
}

/**
 * golang-migrate's lock as the family sees it: free or held by whom (its id
 * depends on the database, so it is read, not a fixed key). A dirty version
 * is refused here too (`dirty` builds the error): like a lock a killed run
 * left behind, it says a golang-migrate run did not finish, and dbrollback
 * checks it before acting — before its own lock, plan or backup.
 */
export function golangMigrateLock(table: GolangMigrateTable, dirty: (version: bigint) => DbrollbackError): TableToolLock {
  return {
    owner: 'golang-migrate',
    async held(db) {
      const holder = await lockHolder(db, table);
      if (holder) return `advisory lock held by ${describeHolder(holder)}`;
      const version = await readVersion(db, table);
      if (version?.dirty) throw dirty(version.version);
      return null;
    },
  };
}

/**
 * Take golang-migrate's locks without waiting (golang-migrate itself waits
 * for ever): a `migrate` or an application's m.Up() started meanwhile waits
 * for dbrollback as it would for another golang-migrate. Returns the release.
 */
export async function takeLocks(db: Db, table: GolangMigrateTable): Promise<() => Promise<void>> {
  const ids = await lockIds(db, table);
  const taken: bigint[] = [];
  const release = async (): Promise<void> => {
    for (const id of taken.splice(0)) await db.query('SELECT pg_advisory_unlock($1::bigint)', [id.toString()]).catch(() => undefined);
  };
  for (const id of ids) {
    const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [id.toString()]);
    if (rows[0]?.ok) {
      taken.push(id);
      continue;
    }
    const holder = await advisoryLockHolder(db, id);
    await release();
    throw new DbrollbackError('LOCK_HELD', `golang-migrate is running against this database (its advisory lock ${id} is held by ${holder ? describeHolder(holder) : 'another session'})`, {
      hint: 'Wait for the running golang-migrate (`migrate up`, or an application migrating at startup) to finish and try again. Nothing was changed.',
      details: { holder, owner: 'golang-migrate', lockId: id.toString() },
    });
  }
  return release;
}
