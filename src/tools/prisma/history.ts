/**
 * Prisma's history, `_prisma_migrations` in the datasource's schema (the
 * connection's `schema`, default public; dbrollback's `migrationsSchema`),
 * read and written exactly as `prisma migrate deploy` does (Prisma 6.19's
 * schema engine: schema-engine/connectors/sql-schema-connector/src/
 * sql_migration_persistence.rs and schema-engine/core/src/commands/
 * apply_migrations.rs):
 *
 *  - created on the first deploy, only in a schema holding no other table
 *    (else P3005, "the database schema is not empty": baseline first);
 *  - per migration, in its own statements: a row (id = a random UUID,
 *    checksum = sha256 hex of migration.sql, started_at = now,
 *    migration_name) inserted before the script runs; then
 *    applied_steps_count + 1 and finished_at = now; or, when the script
 *    fails, `logs` = the error, finished_at left empty (a failed migration:
 *    deploy refuses to go on, P3009, until `prisma migrate resolve`);
 *  - applied = finished_at set and rolled_back_at empty; a rolled-back row
 *    does not count.
 */
import { randomUUID } from 'node:crypto';
import { quoteQualified, type Db } from '../../db/connection.js';

export const PRISMA_TABLE = '_prisma_migrations';
export const DEFAULT_SCHEMA = 'public';
/** Prisma Migrate's advisory lock ("a unique number we chose to identify Migrate"). */
export const PRISMA_LOCK_KEY = 72707369n;

export interface PrismaRow {
  id: string;
  checksum: string;
  finishedAt: Date | null;
  migrationName: string;
  logs: string | null;
  rolledBackAt: Date | null;
  startedAt: Date;
  appliedStepsCount: number;
}

const table = (schema: string) => quoteQualified(schema, PRISMA_TABLE);

/** Read-only: no table means nothing is applied. Oldest first, as Prisma lists them (by started_at). */
export async function readRows(db: Db, schema: string): Promise<PrismaRow[]> {
  const { rows: exists } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [table(schema)]);
  if (!exists[0]?.ok) return [];
  const { rows } = await db.query<{ id: string; checksum: string; finished_at: Date | null; migration_name: string; logs: string | null; rolled_back_at: Date | null; started_at: Date; applied_steps_count: number }>(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM ${table(schema)} ORDER BY started_at ASC`,
  );
  return rows.map((r) => ({
    id: r.id,
    checksum: r.checksum,
    finishedAt: r.finished_at,
    migrationName: r.migration_name,
    logs: r.logs,
    rolledBackAt: r.rolled_back_at,
    startedAt: r.started_at,
    appliedStepsCount: r.applied_steps_count,
  }));
}

export const isApplied = (r: PrismaRow): boolean => r.finishedAt !== null && r.rolledBackAt === null;
export const isFailed = (r: PrismaRow): boolean => r.finishedAt === null && r.rolledBackAt === null;

export async function tableExists(db: Db, schema: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [table(schema)]);
  return rows[0]?.ok === true;
}

/** Tables of the schema other than the history (extensions' own tables, e.g. PostGIS's, do not count), as Prisma's initialize looks. */
export async function otherTables(db: Db, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> $2
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1`,
    [schema, PRISMA_TABLE],
  );
  return rows.map((r) => r.name);
}

/** The table as the schema engine creates it. */
export async function createTable(db: Db, schema: string): Promise<void> {
  await db.query(`CREATE TABLE ${table(schema)} (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`);
}

/** record_migration_started: the row before the script runs; returns its id. Times are this machine's clock, as the engine's are its own. */
export async function recordStarted(db: Db, schema: string, name: string, checksum: string): Promise<string> {
  const id = randomUUID();
  await db.query(`INSERT INTO ${table(schema)} ("id", "checksum", "started_at", "migration_name") VALUES ($1, $2, $3, $4)`, [id, checksum, new Date(), name]);
  return id;
}

/** record_successful_step then record_migration_finished. */
export async function recordFinished(db: Db, schema: string, id: string): Promise<void> {
  await db.query(`UPDATE ${table(schema)} SET "applied_steps_count" = ("applied_steps_count" + $1) WHERE "id" = $2`, [1, id]);
  await db.query(`UPDATE ${table(schema)} SET "finished_at" = $1 WHERE "id" = $2`, [new Date(), id]);
}

/** record_failed_step: the error in `logs`; finished_at stays empty (a failed migration). */
export async function recordFailed(db: Db, schema: string, id: string, logs: string): Promise<void> {
  await db.query(`UPDATE ${table(schema)} SET "logs" = $1 WHERE "id" = $2`, [logs, id]);
}
