/**
 * Physical consistency with the amcheck extension: bt_index_check on every
 * valid B-tree index and verify_heapam on every table (amcheck 1.3+, PG 14+).
 * Only where amcheck is installed in the database, or with --install-amcheck
 * (CREATE EXTENSION — the one thing verify may change, and only when asked);
 * otherwise skipped with the reason.
 */
import type { Db } from '../../db/connection.js';
import { quoteIdent } from '../../db/connection.js';
import type { Check } from '../check.js';
import { plural } from '../compare.js';

const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
/** Corruption reports kept per table (a badly damaged heap reports one row per tuple). */
const MAX_REPORTS = 20;

export const amcheck: Check = {
  id: 'amcheck',
  uses: 'connection',
  description: 'amcheck finds no B-tree or heap corruption (where installed, or --install-amcheck)',
  async run(db, ctx) {
    let ext = await installed(db);
    if (!ext) {
      const { rows } = await db.query<{ v: string }>("SELECT default_version AS v FROM pg_catalog.pg_available_extensions WHERE name = 'amcheck'");
      if (rows.length === 0) return { status: 'skip', detail: 'amcheck is not available on this server (it ships with the PostgreSQL contrib package)' };
      if (!ctx.installAmcheck) return { status: 'skip', detail: 'amcheck is not installed in this database: pass --install-amcheck to create it (CREATE EXTENSION amcheck)' };
      try {
        await db.query('CREATE EXTENSION IF NOT EXISTS amcheck');
      } catch (err) {
        return {
          status: 'fail',
          detail: `--install-amcheck: CREATE EXTENSION amcheck failed: ${(err as Error).message}`,
          problems: ['creating amcheck needs a superuser (or a role allowed to create it); install it once as such, or drop --install-amcheck'],
        };
      }
      ctx.log('amcheck: created the extension (--install-amcheck)');
      ext = await installed(db);
      if (!ext) return { status: 'fail', detail: 'CREATE EXTENSION amcheck succeeded but the extension is not visible' };
    }
    const schema = quoteIdent(ext.schema);
    const problems: string[] = [];

    const { rows: idx } = await db.query<{ oid: number; name: string }>(
      `SELECT ic.oid::int8 AS oid, pg_catalog.format('%I.%I', n.nspname, ic.relname) AS name
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_catalog.pg_am am ON am.oid = ic.relam
         JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
        WHERE am.amname = 'btree' AND ic.relkind = 'i' AND ic.relpersistence <> 't' AND i.indisvalid AND i.indisready AND ${USER_SCHEMA}
        ORDER BY 2`,
    );
    for (const index of idx) {
      try {
        await db.query(`SELECT ${schema}.bt_index_check($1::pg_catalog.oid::pg_catalog.regclass, false)`, [index.oid]);
      } catch (err) {
        problems.push(`index ${index.name}: ${(err as Error).message}`);
      }
    }

    const heap = await hasVerifyHeapam(db, ext.schema);
    let tables = 0;
    if (heap) {
      const { rows: rels } = await db.query<{ oid: number; name: string }>(
        `SELECT c.oid::int8 AS oid, pg_catalog.format('%I.%I', n.nspname, c.relname) AS name
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND ${USER_SCHEMA}
          ORDER BY 2`,
      );
      tables = rels.length;
      for (const rel of rels) {
        try {
          const { rows } = await db.query<{ blkno: string; offnum: number | null; attnum: number | null; msg: string }>(
            `SELECT blkno, offnum, attnum, msg FROM ${schema}.verify_heapam($1::pg_catalog.oid::pg_catalog.regclass, check_toast => true) LIMIT ${MAX_REPORTS + 1}`,
            [rel.oid],
          );
          for (const r of rows.slice(0, MAX_REPORTS)) problems.push(`table ${rel.name}: block ${r.blkno}${r.offnum !== null ? `, item ${r.offnum}` : ''}: ${r.msg}`);
          if (rows.length > MAX_REPORTS) problems.push(`table ${rel.name}: more corruption reports not shown`);
        } catch (err) {
          problems.push(`table ${rel.name}: ${(err as Error).message}`);
        }
      }
    }
    const checked = `${plural(idx.length, 'B-tree index', 'B-tree indexes')}${heap ? ` and ${plural(tables, 'table')}` : ' (verify_heapam needs amcheck 1.3+, PostgreSQL 14+: tables not checked)'}`;
    const data = { version: ext.version, indexes: idx.length, tables: heap ? tables : null };
    if (problems.length > 0) return { status: 'fail', detail: `amcheck ${ext.version} found corruption in ${checked}`, problems, data };
    return { status: 'pass', detail: `amcheck ${ext.version}: ${checked} consistent`, data };
  },
};

async function installed(db: Db): Promise<{ schema: string; version: string } | undefined> {
  const { rows } = await db.query<{ schema: string; version: string }>(
    `SELECT n.nspname AS schema, e.extversion AS version
       FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'amcheck'`,
  );
  return rows[0];
}

async function hasVerifyHeapam(db: Db, schema: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                     WHERE p.proname = 'verify_heapam' AND n.nspname = $1) AS ok`,
    [schema],
  );
  return rows[0]!.ok;
}
