/**
 * Database-level facts and changes a restore needs, run from a maintenance
 * connection (never from inside the database being replaced): existence,
 * emptiness, who is connected, creating, dropping and renaming.
 */
import { quoteIdent, quoteLiteral, type Db } from '../../db/connection.js';
import { DbrollbackError } from '../../errors.js';

export interface DatabaseFacts {
  name: string;
  owner: string;
  encoding: string;
  collate: string;
  ctype: string;
}

export interface Session {
  pid: number;
  user: string | null;
  applicationName: string | null;
  clientAddr: string | null;
  state: string | null;
  /** Whether the connected role may end it (its own role's, or pg_signal_backend for a non-superuser's). */
  terminable: boolean;
}

export async function databaseFacts(db: Db, name: string): Promise<DatabaseFacts | null> {
  const { rows } = await db.query<DatabaseFacts>(
    `SELECT d.datname AS name, pg_catalog.pg_get_userbyid(d.datdba) AS owner,
            pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype
       FROM pg_catalog.pg_database d WHERE d.datname = $1`,
    [name],
  );
  return rows[0] ?? null;
}

/** Whether a database holds anything of its own: tables, views, sequences, functions, types or extra schemas. */
export async function isEmptyDatabase(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%')
          + (SELECT count(*) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
          + (SELECT count(*) FROM pg_catalog.pg_namespace n
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%')
          + (SELECT count(*) FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql') AS n`,
  );
  return Number(rows[0]!.n) === 0;
}

/** Client sessions connected to a database (ours excluded). */
export async function sessionsIn(db: Db, name: string): Promise<Session[]> {
  // backend_type is NULL for another role's sessions when this role lacks pg_read_all_stats: those are counted too
  // (with a user; autovacuum workers have none, and a rename ends them itself).
  const { rows } = await db.query<{ pid: number; usename: string | null; application_name: string | null; client_addr: string | null; state: string | null; terminable: boolean | null }>(
    `SELECT a.pid, a.usename, a.application_name, a.client_addr::text AS client_addr, a.state,
            (pg_catalog.pg_has_role(current_user, a.usesysid, 'USAGE')
             OR (pg_catalog.pg_has_role(current_user, 'pg_signal_backend', 'USAGE')
                 AND NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = a.usesysid), false))) AS terminable
       FROM pg_catalog.pg_stat_activity a
      WHERE a.datname = $1 AND a.pid <> pg_catalog.pg_backend_pid()
        AND (a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.usename IS NOT NULL))
      ORDER BY a.pid`,
    [name],
  );
  return rows.map((r) => ({ pid: r.pid, user: r.usename, applicationName: r.application_name, clientAddr: r.client_addr, state: r.state, terminable: r.terminable === true }));
}

/** Sessions --terminate-connections could not end: another role's, without pg_signal_backend (or a superuser's). */
export function unterminableError(sessions: Session[], database: string, role: string, state: string): DbrollbackError | null {
  const blocked = sessions.filter((s) => !s.terminable);
  if (blocked.length === 0) return null;
  return new DbrollbackError('PRIVILEGE_MISSING', `--terminate-connections cannot end ${blocked.length} session${blocked.length > 1 ? 's' : ''} on "${database}": ${describeSessions(blocked)} — role ${role} may signal only its own sessions; ${state}`, {
    hint: `End those sessions first (stop that client, or as a superuser: SELECT pg_terminate_backend(pid)), or as a superuser: GRANT pg_signal_backend TO ${quoteIdent(role)}; then run the restore again.`,
    details: { sessions: blocked },
  });
}

export function describeSessions(sessions: Session[]): string {
  return sessions
    .slice(0, 5)
    .map((s) => `pid ${s.pid}${s.user ? ` (${s.user}` : ' ('}${s.applicationName ? `, "${s.applicationName}"` : ''}${s.clientAddr ? `, from ${s.clientAddr}` : ''}${s.state ? `, ${s.state}` : ''})`)
    .join('; ') + (sessions.length > 5 ? `; and ${sessions.length - 5} more` : '');
}

export async function terminateSessions(db: Db, name: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(pg_catalog.pg_terminate_backend(pid)) AS n FROM pg_catalog.pg_stat_activity
      WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid() AND backend_type = 'client backend'`,
    [name],
  );
  return Number(rows[0]!.n);
}

export interface CreateDatabaseOptions {
  owner?: string;
  locale?: { encoding: string; collate: string; ctype: string };
}

/**
 * CREATE DATABASE from template0 (a restore needs a pristine database),
 * with the source's encoding and locale when this server has them.
 * Returns what had to be left out.
 */
export async function createDatabase(db: Db, name: string, options: CreateDatabaseOptions = {}): Promise<string[]> {
  const attempts: Array<{ owner: boolean; locale: boolean }> = [
    { owner: true, locale: true },
    { owner: true, locale: false },
    { owner: false, locale: true },
    { owner: false, locale: false },
  ];
  let lastError: unknown;
  for (const attempt of attempts) {
    if (!attempt.owner && options.owner === undefined) continue;
    if (!attempt.locale && options.locale === undefined) continue;
    const parts = [`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`];
    if (attempt.owner && options.owner) parts.push(`OWNER ${quoteIdent(options.owner)}`);
    if (attempt.locale && options.locale) {
      parts.push(`ENCODING ${quoteLiteral(options.locale.encoding)} LC_COLLATE ${quoteLiteral(options.locale.collate)} LC_CTYPE ${quoteLiteral(options.locale.ctype)}`);
    }
    try {
      await db.query(parts.join(' '));
      const omitted: string[] = [];
      if (options.owner && !attempt.owner) omitted.push(`owner ${options.owner}`);
      if (options.locale && !attempt.locale) omitted.push(`locale ${options.locale.collate}/${options.locale.ctype}`);
      return omitted;
    } catch (err) {
      lastError = err;
      const code = (err as { code?: string }).code;
      // Only a missing role or locale is worth retrying without it.
      if (code !== '42501' && code !== '22023' && code !== '42809' && code !== '42704' && code !== '0A000') throw err;
    }
  }
  throw lastError;
}

export async function dropDatabase(db: Db, name: string): Promise<void> {
  await db.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/**
 * Carry database-level settings (ALTER DATABASE … SET, per-role too) and
 * grants over to the database that replaces `from`: pg_dump's archive holds
 * the objects inside a database, not these.
 */
export async function copyDatabaseProperties(db: Db, from: string, to: string): Promise<void> {
  const { rows: settings } = await db.query<{ role: string | null; config: string[] }>(
    `SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(s.setrole) END AS role, s.setconfig AS config
       FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
      WHERE d.datname = $1`,
    [from],
  );
  for (const { role, config } of settings) {
    for (const entry of config) {
      const eq = entry.indexOf('=');
      const name = entry.slice(0, eq);
      const value = entry.slice(eq + 1);
      const target = role === null ? `DATABASE ${quoteIdent(to)}` : `ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(to)}`;
      await db.query(`ALTER ${target} SET ${quoteIdent(name)} = ${quoteLiteral(value)}`);
    }
  }
  const { rows: acl } = await db.query<{ custom: boolean }>('SELECT datacl IS NOT NULL AS custom FROM pg_catalog.pg_database WHERE datname = $1', [from]);
  if (!acl[0]?.custom) return;
  await db.query(`REVOKE ALL ON DATABASE ${quoteIdent(to)} FROM PUBLIC`);
  const { rows: grants } = await db.query<{ grantee: string | null; privilege: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_catalog.pg_database d, LATERAL pg_catalog.aclexplode(d.datacl) a
      WHERE d.datname = $1 AND a.grantee <> d.datdba`,
    [from],
  );
  for (const g of grants) {
    const grantee = g.grantee === null ? 'PUBLIC' : quoteIdent(g.grantee);
    await db.query(`GRANT ${g.privilege} ON DATABASE ${quoteIdent(to)} TO ${grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
  }
}

/** Replace `name` by `replacement` atomically: both renames commit together or not at all. */
export async function swapDatabases(db: Db, name: string, replacement: string, previous: string): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(`ALTER DATABASE ${quoteIdent(name)} RENAME TO ${quoteIdent(previous)}`);
    await db.query(`ALTER DATABASE ${quoteIdent(replacement)} RENAME TO ${quoteIdent(name)}`);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export async function setAllowConnections(db: Db, name: string, allow: boolean): Promise<void> {
  await db.query(`ALTER DATABASE ${quoteIdent(name)} WITH ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
}

/** A database name derived from `base` that fits PostgreSQL's 63-byte limit. */
export function derivedName(base: string, suffix: string): string {
  let head = base;
  while (Buffer.byteLength(`${head}${suffix}`) > 63) head = head.slice(0, -1);
  return `${head}${suffix}`;
}
