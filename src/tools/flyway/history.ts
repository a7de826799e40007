/**
 * Flyway's schema history table, read and written as Flyway 12 does on
 * PostgreSQL (flyway-core: SchemaHistory, JdbcTableSchemaHistory;
 * flyway-database-postgresql: PostgreSQLDatabase.getRawCreateScript,
 * PostgreSQLConnection.lock, PostgreSQLAdvisoryLockTemplate):
 *
 *  - `flyway_schema_history` in the default schema (public), created on the
 *    first migrate with Flyway's DDL: the table, its primary key
 *    `<table>_pk` on installed_rank and the index `<table>_s_idx` on success;
 *  - one row per applied migration, inserted after its script in the same
 *    transaction: installed_rank = the last rank + 1 (1 for the first; the
 *    SCHEMA marker of a schema Flyway created is rank 0), version as the
 *    file names it (`_` read as `.`), description, type `SQL`, script (the
 *    path below the location), checksum (checksum.ts), installed_by
 *    (current_user), installed_on (the column's default, now()),
 *    execution_time in milliseconds, success; description and script
 *    abbreviated to the column sizes as Flyway's AbbreviationUtils does;
 *  - a migration that fails inside its transaction leaves no row (the
 *    transaction is rolled back); one that ran outside a transaction leaves
 *    a row with success = false, which Flyway refuses to go past until
 *    `flyway repair` deletes it;
 *  - an undo (Flyway Teams `flyway undo`) adds an `UNDO_SQL` row with the
 *    undone version, the U script's description, script and checksum; the
 *    version is then "Undone" and pending again;
 *  - `flyway baseline` writes a `BASELINE` row (version 1 by default,
 *    description and script `<< Flyway Baseline >>`, no checksum);
 *    versioned migrations at or below it are not applied.
 */
import { quoteIdent, quoteQualified, type Db } from '../../db/connection.js';

export const DEFAULT_TABLE = 'flyway_schema_history';
export const DEFAULT_SCHEMA = 'public';

/** "Flyway" in ASCII: PostgreSQLAdvisoryLockTemplate.LOCK_MAGIC_NUM. */
const LOCK_MAGIC_NUM = (0x46n << 40n) + (0x6cn << 32n) + (0x79n << 24n) + (0x77n << 16n) + (0x61n << 8n) + 0x79n;

export interface HistoryTable {
  schema: string;
  table: string;
}

export interface HistoryRow {
  installedRank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  installedBy: string;
  installedOn: Date;
  executionTime: number;
  success: boolean;
}

/**
 * The advisory lock Flyway holds on PostgreSQL while it migrates, undoes or
 * repairs: LOCK_MAGIC_NUM + the Java hashCode of the table's quoted name
 * (`"public"."flyway_schema_history"`).
 */
export function flywayLockKey(t: HistoryTable): bigint {
  return LOCK_MAGIC_NUM + BigInt(javaHashCode(`${quoteIdent(t.schema)}.${quoteIdent(t.table)}`));
}

/** java.lang.String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, as a signed 32-bit int. */
export function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i += 1) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

export async function tableExists(db: Db, t: HistoryTable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r') AS ok",
    [t.schema, t.table],
  );
  return rows[0]?.ok === true;
}

/** Every row, by installed_rank (Flyway's order). Read-only: no table means nothing is applied. */
export async function readRows(db: Db, t: HistoryTable): Promise<HistoryRow[]> {
  if (!(await tableExists(db, t))) return [];
  const { rows } = await db.query<{
    installed_rank: number;
    version: string | null;
    description: string;
    type: string;
    script: string;
    checksum: number | null;
    installed_by: string;
    installed_on: Date;
    execution_time: number;
    success: boolean;
  }>(`SELECT installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success FROM ${quoteQualified(t.schema, t.table)} ORDER BY installed_rank`);
  return rows.map((r) => ({
    installedRank: r.installed_rank,
    version: r.version,
    description: r.description,
    type: r.type,
    script: r.script,
    checksum: r.checksum,
    installedBy: r.installed_by,
    // timestamp without time zone, stamped with the server's now() in the session's zone: read in this process's zone.
    installedOn: r.installed_on,
    executionTime: r.execution_time,
    success: r.success,
  }));
}

/** PostgreSQLDatabase.getRawCreateScript (no tablespace), in one transaction as Flyway runs it; with `baseline`, its BASELINE row too (baselineOnMigrate). */
export async function createTable(db: Db, t: HistoryTable, baseline?: HistoryRow): Promise<void> {
  const table = quoteQualified(t.schema, t.table);
  await db.query('BEGIN');
  try {
    await db.query(`CREATE TABLE ${table} (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
)`);
    await db.query(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(`${t.table}_pk`)} PRIMARY KEY ("installed_rank")`);
    await db.query(`CREATE INDEX ${quoteIdent(`${t.table}_s_idx`)} ON ${table} ("success")`);
    if (baseline) {
      await db.query(
        `INSERT INTO ${table} ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES (1, $1, $2, 'BASELINE', $3, NULL, $4, 0, true)`,
        [baseline.version, abbreviateDescription(baseline.description), abbreviateScript(baseline.script), baseline.installedBy],
      );
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export interface NewRow {
  version: string | null;
  description: string;
  type: 'SQL' | 'UNDO_SQL' | 'SQL_BASELINE';
  script: string;
  checksum: number;
  installedBy: string;
  executionTime: number;
  success: boolean;
}

/** SchemaHistory.addAppliedMigration: the next installed_rank, description and script abbreviated, installed_on left to its default. */
export async function addRow(db: Db, t: HistoryTable, row: NewRow): Promise<void> {
  const table = quoteQualified(t.schema, t.table);
  const { rows } = await db.query<{ max: number | null }>(`SELECT MAX("installed_rank") AS max FROM ${table}`);
  await db.query(
    `INSERT INTO ${table} ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [(rows[0]?.max ?? 0) + 1, row.version, abbreviateDescription(row.description), row.type, abbreviateScript(row.script), row.checksum, row.installedBy, row.executionTime, row.success],
  );
}

/** AbbreviationUtils.abbreviateDescription: at most 200 characters, cut to 197 + "...". */
export function abbreviateDescription(description: string): string {
  return description.length <= 200 ? description : `${description.slice(0, 197)}...`;
}

/** AbbreviationUtils.abbreviateScript: at most 1000 characters, "..." + the last 997. */
export function abbreviateScript(script: string): string {
  return script.length <= 1000 ? script : `...${script.slice(script.length - 997)}`;
}

/** Tables, views and sequences of the schema other than the history (extensions' own objects do not count): Flyway's "non-empty schema". */
export async function schemaObjects(db: Db, t: HistoryTable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relname <> $2
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
      ORDER BY 1`,
    [t.schema, t.table],
  );
  return rows.map((r) => r.name);
}
