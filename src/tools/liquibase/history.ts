/**
 * Liquibase's history table, DATABASECHANGELOG (lower case on PostgreSQL:
 * `databasechangelog`), read and written as Liquibase 4.28 does
 * (StandardChangeLogHistoryService, MarkChangeSetRanGenerator; DDL as its
 * CreateDatabaseChangeLogTableGenerator emits it on PostgreSQL):
 *  - a changeset's identity is ID + AUTHOR + FILENAME;
 *  - the history order is DATEEXECUTED, then ORDEREXECUTED (how Liquibase
 *    lists ran changesets, and so what rollback-count undoes first);
 *  - a run takes ORDEREXECUTED = MAX + 1 once and counts up, shares one
 *    DEPLOYMENT_ID (the last 10 digits of the epoch milliseconds), and
 *    stamps DATEEXECUTED with NOW() in the client's time zone (the column
 *    has none);
 *  - EXECTYPE is EXECUTED (RERAN when a runOnChange/runAlways changeset runs
 *    again: its row is updated, not duplicated), COMMENTS the trimmed
 *    `--comment` ('' when none), DESCRIPTION `sql`, LIQUIBASE the version;
 *  - undoing a changeset deletes its row.
 * Tables written by a real Liquibase run and by these functions are compared
 * row for row in test/integration/tools/liquibase.test.ts.
 */
import { quoteLiteral, quoteQualified, type Db } from '../../db/connection.js';

export const DEFAULT_TABLE = 'databasechangelog';
export const DEFAULT_SCHEMA = 'public';
/** The Liquibase version dbrollback's checksums and rows follow, recorded when the table names no other. */
export const LIQUIBASE_VERSION = '4.28.0';

export interface ChangeLogTable {
  schema: string;
  table: string;
}

export interface RanChangeSet {
  id: string;
  author: string;
  filename: string;
  dateExecuted: Date;
  orderExecuted: number;
  execType: string;
  md5sum: string | null;
  tag: string | null;
  liquibase: string | null;
  /** DESCRIPTION: what the changeset's changes are (`sql`, `createTable tableName=t`, `tagDatabase`). */
  description: string | null;
}

export async function tableExists(db: Db, t: ChangeLogTable): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [quoteQualified(t.schema, t.table)]);
  return rows[0]?.ok ?? false;
}

/** Read-only: a missing table means nothing ran (Liquibase creates it on its first update). */
export async function readRan(db: Db, t: ChangeLogTable): Promise<RanChangeSet[]> {
  if (!(await tableExists(db, t))) return [];
  const { rows } = await db.query<{ id: string; author: string; filename: string; dateexecuted: Date; orderexecuted: number; exectype: string; md5sum: string | null; tag: string | null; liquibase: string | null; description: string | null }>(
    `SELECT id, author, filename, dateexecuted, orderexecuted, exectype, md5sum, tag, liquibase, description FROM ${quoteQualified(t.schema, t.table)} ORDER BY dateexecuted, orderexecuted`,
  );
  return rows.map((r) => ({
    id: r.id,
    author: r.author,
    filename: r.filename,
    // timestamp without time zone, written in the client's zone: pg reads it in this process's zone.
    dateExecuted: r.dateexecuted,
    orderExecuted: r.orderexecuted,
    execType: r.exectype,
    md5sum: r.md5sum,
    tag: r.tag,
    liquibase: r.liquibase,
    description: r.description,
  }));
}

export async function createTable(db: Db, t: ChangeLogTable): Promise<void> {
  await db.query(
    `CREATE TABLE ${quoteQualified(t.schema, t.table)} (id VARCHAR(255) NOT NULL, author VARCHAR(255) NOT NULL, filename VARCHAR(255) NOT NULL, ` +
      'dateexecuted TIMESTAMP WITHOUT TIME ZONE NOT NULL, orderexecuted INTEGER NOT NULL, exectype VARCHAR(10) NOT NULL, md5sum VARCHAR(35), ' +
      'description VARCHAR(255), comments VARCHAR(255), tag VARCHAR(255), liquibase VARCHAR(20), contexts VARCHAR(255), labels VARCHAR(255), deployment_id VARCHAR(10))',
  );
}

/** One run's bookkeeping: the next ORDEREXECUTED and the DEPLOYMENT_ID its rows share. */
export interface Deployment {
  next: number;
  id: string;
  liquibase: string;
}

export async function startDeployment(db: Db, t: ChangeLogTable, liquibase: string): Promise<Deployment> {
  const { rows } = await db.query<{ max: number | null }>(`SELECT MAX(orderexecuted) AS max FROM ${quoteQualified(t.schema, t.table)}`);
  return { next: (rows[0]?.max ?? 0) + 1, id: String(Date.now()).slice(-10), liquibase };
}

export interface RowValues {
  id: string;
  author: string;
  filename: string;
  md5sum: string;
  /** `--comment`, or null: stored trimmed, '' when none, at most 250 characters. */
  comments: string | null;
}

/**
 * Mark a changeset ran. The caller's transaction (or autocommit) is the
 * changeset's own. `rerun`: it ran before (runOnChange/runAlways), so its row
 * is updated as Liquibase does, keeping ID/AUTHOR/FILENAME/TAG.
 */
export async function markRan(db: Db, t: ChangeLogTable, deployment: Deployment, row: RowValues, rerun: boolean): Promise<void> {
  const order = deployment.next;
  deployment.next += 1;
  const comments = (row.comments ?? '').trim().slice(0, 250);
  const table = quoteQualified(t.schema, t.table);
  // NOW() in the client's zone, as a JVM's session would stamp it.
  const now = `(now() AT TIME ZONE ${quoteLiteral(clientZone())})`;
  if (rerun) {
    await db.query(
      `UPDATE ${table} SET dateexecuted = ${now}, orderexecuted = $1, md5sum = $2, exectype = 'RERAN', deployment_id = $3, comments = $4, contexts = NULL, labels = NULL, liquibase = $5, description = 'sql' ` +
        'WHERE id = $6 AND author = $7 AND filename = $8',
      [order, row.md5sum, deployment.id, comments, deployment.liquibase, row.id, row.author, row.filename],
    );
    return;
  }
  await db.query(
    `INSERT INTO ${table} (id, author, filename, dateexecuted, orderexecuted, md5sum, description, comments, exectype, contexts, labels, liquibase, deployment_id) ` +
      `VALUES ($1, $2, $3, ${now}, $4, $5, 'sql', $6, 'EXECUTED', NULL, NULL, $7, $8)`,
    [row.id, row.author, row.filename, order, row.md5sum, comments, deployment.liquibase, deployment.id],
  );
}

/** Undone: the row goes, as Liquibase's rollback removes it. */
export async function removeRan(db: Db, t: ChangeLogTable, key: Pick<RanChangeSet, 'id' | 'author' | 'filename'>): Promise<void> {
  await db.query(`DELETE FROM ${quoteQualified(t.schema, t.table)} WHERE id = $1 AND author = $2 AND filename = $3`, [key.id, key.author, key.filename]);
}

/** The time zone this process (and so a Liquibase JVM started here) stamps DATEEXECUTED in. */
export function clientZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

