/**
 * Copy tables out of the throwaway instance into the target database under a
 * schema of their own. The throwaway copy is ours to change: the tables are
 * moved into that schema there first (owned sequences move with them), so
 * pg_dump writes them under the new name and nothing in the target's own
 * schemas is touched. pg_restore runs as one transaction: all or nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { quoteIdent, serverVersion, type Db } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { fingerprint, type TableFingerprint, type TableRef } from '../../fingerprint/fingerprint.js';
import { findBinary } from '../../pgtools/binaries.js';
import { runTool } from '../../pgtools/run.js';
import { formatTableRef } from '../../verify/baseline.js';


export interface StagedTables {
  /** The tables' fingerprints in their source, under the recovery schema. */
  fingerprints: TableFingerprint[];
  /** Foreign keys to tables outside the set, left out of a side-by-side copy. */
  droppedKeys: string[];
  /** Enum types the tables use that the target lacks or holds with other values, copied into the recovery schema as they were. */
  movedTypes: string[];
}

/** One run's schemas: where the copies land (dbrollback_recovered_<ts>), and where --replace keeps the live tables (dbrollback_replaced_<ts>). */
export function recoverySchemas(now: Date = new Date()): { stamp: string; schema: string; aside: string } {
  // To the millisecond: a refused --replace leaves its recovered schema in the target, and a run right after must not meet it.
  const stamp = now.toISOString().replace(/\.(\d+)Z$/, '$1z').replace(/[-:]/g, '').toLowerCase();
  return { stamp, schema: `dbrollback_recovered_${stamp}`, aside: `dbrollback_replaced_${stamp}` };
}

/** Stage the tables in their source (a throwaway instance, a scratch database) and copy them into `into` under `schema`. */
export async function copyTables(source: Db, sourceConn: ConnInfo, into: ConnInfo, tables: readonly TableRef[], schema: string, replace: boolean, intoDb?: Db): Promise<StagedTables> {
  const staged = await stageInThrowaway(source, tables, schema, { keepOutboundKeys: replace, ...(intoDb && !replace ? { live: intoDb } : {}) });
  await copySchema(sourceConn, into, schema, (await serverVersion(source)).major);
  return staged;
}

/** The copy step's line. */
export function copyDetail(tables: readonly TableRef[], schema: string, staged: StagedTables): string {
  return `${tables.length} table(s) into schema ${schema}${staged.droppedKeys.length ? `; foreign keys to other tables left out: ${staged.droppedKeys.join(', ')}` : ''}${staged.movedTypes.length ? `; enum types as they were at the target, beside them (the live ones hold other values): ${staged.movedTypes.join(', ')}` : ''}`;
}
const qualified = (t: TableRef): string => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;

/**
 * Move the tables into `schema` inside the throwaway instance and fingerprint
 * them there. Side by side (not replacing), foreign keys to tables outside the
 * set are dropped from the copy: a recovered table must not hold the live ones
 * hostage (their deletes would be refused, their locks shared). Returns the
 * fingerprints and the keys dropped.
 */
export async function stageInThrowaway(db: Db, tables: readonly TableRef[], schema: string, options: { keepOutboundKeys: boolean; live?: Db }): Promise<StagedTables> {
  await db.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  // A partition recovered without its parent is copied as a table of its own: attached, pg_dump would write it
  // as ATTACH PARTITION to a parent the target may no longer have (a down dropped it), or would swap in its place.
  const { rows: attached } = await db.query<{ parent: string; child: string }>(
    `SELECT i.inhparent::regclass::text AS parent, i.inhrelid::regclass::text AS child
       FROM unnest($1::text[], $2::text[]) AS w(schema, name)
       JOIN pg_catalog.pg_inherits i ON i.inhrelid = pg_catalog.to_regclass(pg_catalog.quote_ident(w.schema) || '.' || pg_catalog.quote_ident(w.name))
       JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid AND c.relispartition
      WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) AS o(schema, name)
                         WHERE pg_catalog.to_regclass(pg_catalog.quote_ident(o.schema) || '.' || pg_catalog.quote_ident(o.name)) = i.inhparent)`,
    [tables.map((t) => t.schema), tables.map((t) => t.table)],
  );
  for (const a of attached) await db.query(`ALTER TABLE ${a.parent} DETACH PARTITION ${a.child}`);
  for (const t of tables) await db.query(`ALTER TABLE ${qualified(t)} SET SCHEMA ${quoteIdent(schema)}`);
  // A partitioned table's rows are in its partitions: they move with it, still attached (was: the copy held none).
  const { rows: partitions } = await db.query<{ name: string }>(
    `SELECT p.relid::regclass::text AS name FROM pg_catalog.pg_class c, pg_catalog.pg_partition_tree(c.oid) p
      WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'p' AND p.level > 0
        AND (SELECT relnamespace FROM pg_catalog.pg_class WHERE oid = p.relid) <> $1::regnamespace`,
    [quoteIdent(schema)],
  );
  for (const p of partitions) await db.query(`ALTER TABLE ${p.name} SET SCHEMA ${quoteIdent(schema)}`);
  const movedTypes = options.live ? await moveChangedEnums(db, options.live, schema) : [];
  const droppedKeys: string[] = [];
  if (!options.keepOutboundKeys) {
    const { rows } = await db.query<{ table: string; constraint: string }>(
      `SELECT f.relname AS table, c.conname AS constraint
         FROM pg_constraint c JOIN pg_class f ON f.oid = c.conrelid JOIN pg_class t ON t.oid = c.confrelid
        WHERE c.contype = 'f' AND f.relnamespace = $1::regnamespace AND t.relnamespace <> $1::regnamespace
          AND c.conparentid = 0 -- a partition's copy of its parent's key goes with the parent's
        ORDER BY 1, 2`,
      [quoteIdent(schema)],
    );
    for (const r of rows) {
      await db.query(`ALTER TABLE ${quoteIdent(schema)}.${quoteIdent(r.table)} DROP CONSTRAINT ${quoteIdent(r.constraint)}`);
      droppedKeys.push(`${r.table}.${r.constraint}`);
    }
  }
  return { fingerprints: await fingerprint(db, tables.map((t) => ({ schema, table: t.table }))), droppedKeys, movedTypes };
}

/**
 * The enum types the staged tables' columns use, where the target lacks them or holds other values (an enum
 * value removed since — Prisma's CREATE TYPE "X_new" … RENAME dance): moved into the recovery schema in the
 * throwaway copy, so pg_dump writes them there as they were and the rows load (was: pg_restore "invalid input
 * value for enum"). Enums the target holds unchanged stay shared, so values copy back without a cast.
 */
async function moveChangedEnums(db: Db, live: Db, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ schema: string; name: string; labels: string[] }>(
    `SELECT DISTINCT n.nspname AS schema, t.typname AS name,
            ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_type at ON at.oid = a.atttypid
       JOIN pg_type t ON t.oid = CASE WHEN at.typelem <> 0 AND at.typlen = -1 THEN at.typelem ELSE at.oid END
       JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'e'
        AND n.nspname <> $2
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
    [quoteIdent(schema), schema],
  );
  const moved: string[] = [];
  for (const r of rows) {
    const { rows: now } = await live.query<{ labels: string[] }>(
      `SELECT ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2 AND t.typtype = 'e'`,
      [r.schema, r.name],
    );
    if (now[0] && now[0].labels.join('\u0000') === r.labels.join('\u0000')) continue;
    await db.query(`ALTER TYPE ${quoteIdent(r.schema)}.${quoteIdent(r.name)} SET SCHEMA ${quoteIdent(schema)}`);
    moved.push(formatTableRef({ schema: r.schema, table: r.name }));
  }
  return moved;
}

/** pg_dump the staged schema from the throwaway instance, pg_restore it into the target in one transaction. */
export async function copySchema(from: ConnInfo, into: ConnInfo, schema: string, serverMajor: number): Promise<void> {
  const pgDump = await findBinary('pg_dump', { minMajor: serverMajor });
  const pgRestore = await findBinary('pg_restore', { minMajor: serverMajor });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-tables-'));
  const file = path.join(dir, 'tables.pgcustom');
  try {
    await runTool(pgDump, ['--format=custom', '--no-owner', '--no-privileges', `--schema=${quoteIdent(schema)}`, `--file=${file}`], { conn: from });
    await runTool(pgRestore, ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', `--dbname=${into.database}`, file], { conn: into });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
