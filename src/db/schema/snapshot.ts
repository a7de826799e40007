/**
 * A schema snapshot: what the system catalog says about every user object,
 * in a plain JSON-able shape that two snapshots can be diffed on
 * (`diffSchemas`). Used to reconcile static classification with what a
 * migration really did in a scratch database, and by drills to prove a down
 * migration restored the schema exactly.
 *
 * Kept: tables (oid for rename detection, relfilenode for rewrite detection,
 * persistence, row security, ACL), columns (type, typmod, nullability,
 * default, identity, generated, collation, ACL), constraints (definition,
 * convalidated), indexes (definition, indisvalid, indisready, relfilenode),
 * triggers, views and their definitions, sequences, enums (ordered labels),
 * domains, functions (signature, result, language, volatility, a hash of the
 * body, ACL), schemas (ACL), extensions. Extension-owned objects and system
 * schemas are left out.
 */
import type pg from 'pg';
import { notRecoverySchema } from '../recovery-schemas.js';

export type Queryable = Pick<pg.ClientBase, 'query'>;

export type RelationKind = 'table' | 'partitioned table' | 'foreign table' | 'view' | 'materialized view' | 'sequence';

export interface ColumnSnapshot {
  /** attnum: stable across renames, which is how a rename is told from drop + add. */
  position: number;
  /** format_type() text, e.g. `character varying(50)`. */
  type: string;
  typmod: number;
  notNull: boolean;
  default: string | null;
  identity: 'always' | 'by default' | null;
  /** The generation expression of a stored generated column. */
  generated: string | null;
  collation: string | null;
  acl: string[];
}

export interface ConstraintSnapshot {
  type: 'check' | 'foreign key' | 'primary key' | 'unique' | 'exclusion' | 'trigger' | 'not null';
  definition: string;
  /** pg_constraint.convalidated: false while a NOT VALID constraint awaits VALIDATE. */
  validated: boolean;
}

export interface IndexSnapshot {
  definition: string;
  /** pg_index.indisvalid: false after a failed CREATE INDEX CONCURRENTLY. */
  valid: boolean;
  ready: boolean;
  unique: boolean;
  primary: boolean;
  relfilenode: number;
}

export interface RelationSnapshot {
  oid: number;
  kind: RelationKind;
  /** p = permanent, u = unlogged, t = temporary. */
  persistence: string;
  /** Changes when the table is rewritten (ALTER TYPE, VACUUM FULL, CLUSTER, SET LOGGED, ...). */
  relfilenode: number;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  acl: string[];
  columns: Record<string, ColumnSnapshot>;
  constraints: Record<string, ConstraintSnapshot>;
  indexes: Record<string, IndexSnapshot>;
  /** Trigger name → pg_get_triggerdef, with ` [disabled]` appended when disabled. */
  triggers: Record<string, string>;
  /** Views and materialized views: pg_get_viewdef. */
  definition: string | null;
  /** A partition: its parent's key (`schema.name`). DROP TABLE of the parent drops it too. Absent in records older than the field. */
  partitionOf?: string;
  /** The key's parts, which a dot inside a name makes unsplittable (`Sales.EU.Order Line`). Absent in records older than the field. */
  ref?: { schema: string; table: string };
}

export interface DomainSnapshot {
  baseType: string;
  notNull: boolean;
  default: string | null;
  constraints: Record<string, ConstraintSnapshot>;
}

export interface FunctionSnapshot {
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  result: string | null;
  language: string;
  volatility: 'immutable' | 'stable' | 'volatile';
  /** md5 of the body: a changed body shows as `altered` without storing the source. */
  bodyHash: string;
  /** md5 of the body with runs of white space made one space and the ends trimmed: a body re-created with other indentation has the same shape. */
  bodyShapeHash?: string;
  acl: string[];
}

export interface SchemaSnapshot {
  /** server_version_num / 10000. */
  serverVersion: number;
  schemas: Record<string, { acl: string[] }>;
  /** Keyed `schema.name`. */
  relations: Record<string, RelationSnapshot>;
  /** Keyed `schema.name`, labels in sort order. */
  enums: Record<string, string[]>;
  domains: Record<string, DomainSnapshot>;
  /** Keyed `schema.name(identity arguments)`. */
  functions: Record<string, FunctionSnapshot>;
  /** Extension name → version. */
  extensions: Record<string, string>;
}

export interface SnapshotOptions {
  /** Relations to leave out: `schema.name`, a bare name matched in any schema (e.g. a migration tool's history table), or `schema.*` for a schema and all it holds (a tool's own registry schema). */
  exclude?: string[];
}

const RELKIND: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned table',
  f: 'foreign table',
  v: 'view',
  m: 'materialized view',
  S: 'sequence',
};

const CONTYPE: Record<string, ConstraintSnapshot['type']> = {
  c: 'check',
  f: 'foreign key',
  p: 'primary key',
  u: 'unique',
  x: 'exclusion',
  t: 'trigger',
  n: 'not null',
};

// dbrollback's own side-by-side schemas (restore --tables' copies, --replace's set-aside tables) are its output, never
// the application's schema: an undo after a table recovery must not find them "added" since the schema it compares with.
const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)' AND ${notRecoverySchema('n.nspname')}`;
const NOT_EXTENSION_MEMBER = (classid: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${classid}'::regclass AND dep.objid = ${oid} AND dep.deptype = 'e')`;

/** Read the schema of the connected database. */
export async function schemaSnapshot(db: Queryable, options: SnapshotOptions = {}): Promise<SchemaSnapshot> {
  const versionNum = Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
  const version = Math.floor(versionNum / 10000);
  const exclude = new Set(options.exclude ?? []);

  const snapshot: SchemaSnapshot = { serverVersion: version, schemas: {}, relations: {}, enums: {}, domains: {}, functions: {}, extensions: {} };

  for (const row of (await db.query<{ name: string; acl: string[] | null }>(`SELECT n.nspname AS name, n.nspacl::text[] AS acl FROM pg_namespace n WHERE ${USER_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_namespace', 'n.oid')} ORDER BY 1`)).rows) {
    if (exclude.has(`${row.name}.*`)) continue;
    snapshot.schemas[row.name] = { acl: sortAcl(row.acl) };
  }

  const rels = await db.query<{
    oid: string; schema: string; name: string; relkind: string; relpersistence: string; relfilenode: string;
    relrowsecurity: boolean; relforcerowsecurity: boolean; acl: string[] | null; viewdef: string | null; owner: string | null; parent: string | null;
  }>(`
    SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.relpersistence::text AS relpersistence,
           c.relfilenode::int8 AS relfilenode, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text[] AS acl,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS viewdef,
           (SELECT tn.nspname || '.' || t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
             WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
               AND d.deptype IN ('a', 'i') LIMIT 1) AS owner,
           (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
             WHERE c.relispartition AND i.inhrelid = c.oid) AS parent
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND ${USER_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c.oid')}
     ORDER BY n.nspname, c.relname`);
  const byOid = new Map<string, RelationSnapshot>();
  for (const r of rels.rows) {
    const key = `${r.schema}.${r.name}`;
    if (exclude.has(key) || exclude.has(r.name) || exclude.has(`${r.schema}.*`)) continue;
    // A serial/identity sequence goes with its excluded table.
    if (r.owner && (exclude.has(r.owner) || exclude.has(r.owner.slice(r.owner.indexOf('.') + 1)))) continue;
    const rel: RelationSnapshot = {
      oid: Number(r.oid),
      kind: RELKIND[r.relkind] ?? 'table',
      persistence: r.relpersistence,
      relfilenode: Number(r.relfilenode),
      rowSecurity: r.relrowsecurity,
      forceRowSecurity: r.relforcerowsecurity,
      acl: sortAcl(r.acl),
      columns: {},
      constraints: {},
      indexes: {},
      triggers: {},
      definition: r.viewdef,
      ...(r.parent !== null ? { partitionOf: r.parent } : {}),
      ref: { schema: r.schema, table: r.name },
    };
    snapshot.relations[key] = rel;
    byOid.set(r.oid, rel);
  }
  const oids = [...byOid.keys()];

  if (oids.length > 0) {
    const generated = version >= 12 ? `NULLIF(a.attgenerated::text, '')` : 'NULL';
    const cols = await db.query<{
      rel: string; attnum: number; attname: string; type: string; typmod: number; attnotnull: boolean; dflt: string | null;
      attidentity: string; gen: string | null; collname: string | null; acl: string[] | null;
    }>(`
      SELECT a.attrelid::int8 AS rel, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.atttypmod AS typmod, a.attnotnull,
             pg_get_expr(ad.adbin, ad.adrelid) AS dflt, a.attidentity::text AS attidentity, ${generated} AS gen,
             CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collname, a.attacl::text[] AS acl
        FROM pg_attribute a
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
       WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid = ANY($1::oid[])
       ORDER BY a.attrelid, a.attnum`, [oids]);
    for (const c of cols.rows) {
      const rel = byOid.get(c.rel);
      if (!rel) continue;
      const isGenerated = c.gen === 's';
      rel.columns[c.attname] = {
        position: c.attnum,
        type: c.type,
        typmod: c.typmod,
        notNull: c.attnotnull,
        default: isGenerated ? null : c.dflt,
        identity: c.attidentity === 'a' ? 'always' : c.attidentity === 'd' ? 'by default' : null,
        generated: isGenerated ? c.dflt : null,
        collation: c.collname,
        acl: sortAcl(c.acl),
      };
    }

    const cons = await db.query<{ rel: string; conname: string; contype: string; def: string; convalidated: boolean }>(
      `SELECT conrelid::int8 AS rel, conname, contype::text AS contype, pg_get_constraintdef(oid) AS def, convalidated
         FROM pg_constraint WHERE conrelid = ANY($1::oid[]) ORDER BY conrelid, conname`, [oids]);
    for (const c of cons.rows) {
      byOid.get(c.rel)!.constraints[c.conname] = { type: CONTYPE[c.contype] ?? 'check', definition: withoutNotValid(c.def), validated: c.convalidated };
    }

    const idx = await db.query<{ rel: string; name: string; def: string; indisvalid: boolean; indisready: boolean; indisunique: boolean; indisprimary: boolean; relfilenode: string }>(
      `SELECT i.indrelid::int8 AS rel, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid, i.indisready,
              i.indisunique, i.indisprimary, ic.relfilenode::int8 AS relfilenode
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = ANY($1::oid[]) ORDER BY i.indrelid, ic.relname`, [oids]);
    for (const i of idx.rows) {
      byOid.get(i.rel)!.indexes[i.name] = {
        definition: i.def,
        valid: i.indisvalid,
        ready: i.indisready,
        unique: i.indisunique,
        primary: i.indisprimary,
        relfilenode: Number(i.relfilenode),
      };
    }

    const trg = await db.query<{ rel: string; tgname: string; def: string; tgenabled: string }>(
      `SELECT tgrelid::int8 AS rel, tgname, pg_get_triggerdef(oid) AS def, tgenabled::text AS tgenabled
         FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY($1::oid[]) ORDER BY tgrelid, tgname`, [oids]);
    for (const t of trg.rows) {
      byOid.get(t.rel)!.triggers[t.tgname] = t.tgenabled === 'D' ? `${t.def} [disabled]` : t.def;
    }
  }

  const enums = await db.query<{ key: string; labels: string[] }>(`
    SELECT n.nspname || '.' || t.typname AS key, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE ${USER_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_type', 't.oid')}
     GROUP BY 1 ORDER BY 1`);
  for (const e of enums.rows) snapshot.enums[e.key] = e.labels;

  const domains = await db.query<{ oid: string; key: string; base: string; typnotnull: boolean; typdefault: string | null }>(`
    SELECT t.oid::int8 AS oid, n.nspname || '.' || t.typname AS key, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull, t.typdefault
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typtype = 'd' AND ${USER_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_type', 't.oid')} ORDER BY 2`);
  for (const d of domains.rows) {
    const domain: DomainSnapshot = { baseType: d.base, notNull: d.typnotnull, default: d.typdefault, constraints: {} };
    const dc = await db.query<{ conname: string; contype: string; def: string; convalidated: boolean }>(
      `SELECT conname, contype::text AS contype, pg_get_constraintdef(oid) AS def, convalidated FROM pg_constraint WHERE contypid = $1::oid ORDER BY conname`, [d.oid]);
    for (const c of dc.rows) domain.constraints[c.conname] = { type: CONTYPE[c.contype] ?? 'check', definition: withoutNotValid(c.def), validated: c.convalidated };
    snapshot.domains[d.key] = domain;
  }

  const prokind = version >= 11 ? 'p.prokind::text' : "CASE WHEN p.proisagg THEN 'a' WHEN p.proiswindow THEN 'w' ELSE 'f' END";
  const fns = await db.query<{ key: string; kind: string; result: string | null; lang: string; vol: string; hash: string; shape: string; acl: string[] | null }>(`
    SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key, ${prokind} AS kind,
           pg_get_function_result(p.oid) AS result, l.lanname AS lang, p.provolatile::text AS vol, md5(coalesce(p.prosrc, '')) AS hash,
           md5(regexp_replace(btrim(coalesce(p.prosrc, '')), '\\s+', ' ', 'g')) AS shape, p.proacl::text[] AS acl
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
     WHERE ${USER_SCHEMA} AND ${NOT_EXTENSION_MEMBER('pg_proc', 'p.oid')} ORDER BY 1`);
  for (const f of fns.rows) {
    snapshot.functions[f.key] = {
      kind: f.kind === 'p' ? 'procedure' : f.kind === 'a' ? 'aggregate' : f.kind === 'w' ? 'window' : 'function',
      result: f.result,
      language: f.lang,
      volatility: f.vol === 'i' ? 'immutable' : f.vol === 's' ? 'stable' : 'volatile',
      bodyHash: f.hash,
      bodyShapeHash: f.shape,
      acl: sortAcl(f.acl),
    };
  }

  for (const x of (await db.query<{ extname: string; extversion: string }>('SELECT extname, extversion FROM pg_extension ORDER BY extname')).rows) {
    snapshot.extensions[x.extname] = x.extversion;
  }
  return snapshot;
}

/** pg_get_constraintdef appends NOT VALID; validity is its own field, so VALIDATE changes only that. */
function withoutNotValid(def: string): string {
  return def.replace(/ NOT VALID$/, '');
}

function sortAcl(acl: string[] | null): string[] {
  return acl ? [...acl].sort() : [];
}
