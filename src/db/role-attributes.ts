/**
 * What the connected role may do beyond owning its objects — the role
 * attributes a managed platform's application role usually lacks (superuser,
 * CREATEDB, REPLICATION) — so a command that needs one says which, and the
 * GRANT or ALTER ROLE that gives it, before it starts instead of failing
 * halfway on "permission denied".
 */
import type { Db } from './connection.js';
import { quoteIdent } from './connection.js';

export interface RoleAttributes {
  /** current_user: the role privileges are checked against. */
  role: string;
  superuser: boolean;
  createdb: boolean;
  replication: boolean;
}

export async function roleAttributes(db: Db): Promise<RoleAttributes> {
  const { rows } = await db.query<{ role: string; superuser: boolean; createdb: boolean; replication: boolean }>(
    `SELECT current_user AS role, r.rolsuper AS superuser, r.rolcreatedb AS createdb, r.rolreplication AS replication
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
  );
  const row = rows[0];
  // A role not in pg_roles cannot be connected; read it as having nothing.
  return row ?? { role: '', superuser: false, createdb: false, replication: false };
}

/** Whether the role may CREATE DATABASE (superuser or CREATEDB). */
export const mayCreateDatabase = (a: RoleAttributes): boolean => a.superuser || a.createdb;

/** The statement a superuser runs to give `role` an attribute: `ALTER ROLE "app" CREATEDB`. */
export function alterRole(role: string, attribute: 'CREATEDB' | 'REPLICATION'): string {
  return `ALTER ROLE ${quoteIdent(role)} ${attribute}`;
}

/**
 * Of `names` (extensions), those this role could not CREATE in a database of its own: all but the trusted ones
 * (PostgreSQL 13+) for a role that is not a superuser — amcheck, pg_stat_statements, postgis and the like.
 */
export async function extensionsNotCreatable(db: Db, names: readonly string[]): Promise<string[]> {
  const wanted = names.filter((n) => n !== 'plpgsql');
  if (wanted.length === 0 || (await roleAttributes(db)).superuser) return [];
  const num = Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
  if (num < 130000) return wanted;
  const { rows } = await db.query<{ name: string }>('SELECT DISTINCT name FROM pg_catalog.pg_available_extension_versions WHERE trusted AND name = ANY($1::text[])', [wanted]);
  const trusted = new Set(rows.map((r) => r.name));
  return wanted.filter((n) => !trusted.has(n));
}

/** The extensions installed in the connected database (plpgsql left out: every database has it). */
export async function installedExtensions(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>("SELECT extname AS name FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql' ORDER BY 1");
  return rows.map((r) => r.name);
}
