/**
 * Physical consistency with the amcheck extension: bt_index_check on every
 * valid B-tree index and verify_heapam on every table (amcheck 1.3+, PG 14+).
 * Only where amcheck is installed in the database, or with --install-amcheck
 * (CREATE EXTENSION — the one thing verify may change, and only when asked);
 * otherwise skipped with the reason. amcheck's functions are superuser-only
 * until a GRANT: a role that may not call them (a managed platform's
 * application role) gets a skip naming the GRANT, never a "corruption" made
 * of permission errors.
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
    const rights = await callRights(db, ext.schema);
    if (!rights.btIndexCheck) {
      const grants = grantLine(ext.schema, rights.role, rights.verifyHeapam === null ? [BT_INDEX_CHECK_SIGNATURE] : [BT_INDEX_CHECK_SIGNATURE, VERIFY_HEAPAM_SIGNATURE]);
      return {
        status: 'skip',
        detail: `amcheck ${ext.version} is installed, but ${rights.role} may not call ${ext.schema}.bt_index_check: nothing checked (as a superuser: ${grants})`,
        data: { version: ext.version, indexes: null, tables: null, notPermitted: true },
      };
    }
    const problems: string[] = [];
    // Checks that could not run for lack of a privilege (a table another role owns): not checked, never corruption.
    const unchecked: string[] = [];

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
        (notPermitted(err) ? unchecked : problems).push(`index ${index.name}: ${(err as Error).message}`);
      }
    }

    // verify_heapam only where it exists and this role may call it; otherwise the tables are left out, and the detail says why.
    const heap = rights.verifyHeapam === true;
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
          (notPermitted(err) ? unchecked : problems).push(`table ${rel.name}: ${(err as Error).message}`);
        }
      }
    }
    const tablesLeftOut =
      rights.verifyHeapam === null
        ? ' (verify_heapam needs amcheck 1.3+, PostgreSQL 14+: tables not checked)'
        : !rights.verifyHeapam
          ? ` (tables not checked: ${rights.role} may not call ${ext.schema}.verify_heapam; as a superuser: ${grantLine(ext.schema, rights.role, [VERIFY_HEAPAM_SIGNATURE])})`
          : '';
    const checked = `${plural(idx.length, 'B-tree index', 'B-tree indexes')}${heap ? ` and ${plural(tables, 'table')}` : tablesLeftOut}`;
    const data = { version: ext.version, indexes: idx.length, tables: heap ? tables : null, ...(unchecked.length > 0 ? { notChecked: unchecked.length } : {}) };
    if (problems.length > 0) return { status: 'fail', detail: `amcheck ${ext.version} found corruption in ${checked}`, problems: [...problems, ...unchecked.map((u) => `not checked (no privilege): ${u}`)], data };
    // Some relations could not be read: what was checked is consistent, but "pass" would claim the rest too.
    if (unchecked.length > 0) {
      return { status: 'skip', detail: `amcheck ${ext.version}: ${plural(unchecked.length, 'relation')} not checked for lack of a privilege (${unchecked.slice(0, 3).join('; ')}${unchecked.length > 3 ? '; …' : ''}); the rest of ${checked} consistent`, problems: unchecked, data };
    }
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

const BT_INDEX_CHECK_SIGNATURE = 'bt_index_check(regclass, boolean)';
const VERIFY_HEAPAM_SIGNATURE = 'verify_heapam(regclass, boolean, boolean, text, bigint, bigint)';

/** Whether this role may call the bt_index_check and verify_heapam this check calls (verifyHeapam null: amcheck before 1.3 has none). */
async function callRights(db: Db, schema: string): Promise<{ role: string; btIndexCheck: boolean; verifyHeapam: boolean | null }> {
  const fn = (signature: string) => `pg_catalog.to_regprocedure(pg_catalog.format('%I.${signature}', $1::text))`;
  const { rows } = await db.query<{ role: string; bt: boolean | null; heap: boolean | null }>(
    `SELECT current_user AS role,
            pg_catalog.has_function_privilege(${fn(BT_INDEX_CHECK_SIGNATURE)}, 'EXECUTE') AS bt,
            pg_catalog.has_function_privilege(${fn(VERIFY_HEAPAM_SIGNATURE)}, 'EXECUTE') AS heap`,
    [schema],
  );
  const row = rows[0]!;
  return { role: row.role, btIndexCheck: row.bt === true, verifyHeapam: row.heap };
}

function grantLine(schema: string, role: string, functions: string[]): string {
  return functions.map((f) => `GRANT EXECUTE ON FUNCTION ${quoteIdent(schema)}.${f} TO ${quoteIdent(role)};`).join(' ');
}

/** insufficient_privilege (42501): the check could not run, which says nothing about the relation's pages. */
function notPermitted(err: unknown): boolean {
  return (err as { code?: unknown }).code === '42501';
}
