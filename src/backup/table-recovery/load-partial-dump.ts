/**
 * Loading a backup's tables into its scratch database. A partial dump holds
 * the whole schema but the rows of only a few tables; a whole dump holds
 * every table's rows, and is loaded the same way, with the rows of the asked
 * tables only (its other tables' TABLE DATA entries left out of the
 * use-list; every SEQUENCE SET kept, the asked tables' sequences among them).
 * Either way a foreign key from
 * one of those tables to a table outside the set (tasks → users) cannot be
 * made there: users is empty, and pg_restore stops at the key. Such keys are
 * made NOT VALID in the scratch database (their definition kept for
 * `--replace`); keys between covered tables are validated there at once, and
 * the others are validated against the live tables once copied
 * (`validateCopiedKeys`): a recovered row pointing at a row deleted since is
 * refused before anything is swapped.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { quoteIdent, type Db } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { DbrollbackError } from '../../errors.js';
import type { TableRef } from '../../fingerprint/fingerprint.js';
import type { PgBinary } from '../../pgtools/binaries.js';
import { runTool } from '../../pgtools/run.js';

export interface DeferredKeys {
  /** The keys' definitions, each NOT VALID ('' when there are none). */
  sql: string;
  /** The constraint names made NOT VALID here (a key NOT VALID in the backup already stays so). */
  names: string[];
}

export interface LoadOptions {
  /** A whole dump: load the rows of `tables` only (the other tables' TABLE DATA entries are left out). */
  onlyRowsOf?: boolean;
  /**
   * Which of the dump's extensions may be left out (and their comments): given the names, returns those this role
   * may not create in the scratch database (amcheck installed by a superuser); the tables rarely need them.
   */
  leaveOutExtensions?: (names: string[]) => Promise<string[]>;
  /** Told which extensions were left out. */
  onLeftOut?: (names: string[]) => void;
}

/** The extension names of a TOC ("ID; OID OID EXTENSION - name"). */
export function tocExtensions(toc: readonly string[]): string[] {
  return toc.flatMap((line) => {
    const m = /^\d+; \d+ \d+ EXTENSION - (\S+)/.exec(line);
    return m ? [m[1]!] : [];
  });
}

/**
 * pg_restore the dump into the scratch database without the foreign keys of
 * `tables`; returns their definitions as SQL, each made NOT VALID, for
 * `addDeferredKeys` once connected.
 */
export async function loadPartialDump(pgRestore: PgBinary, file: string, scratch: ConnInfo, tables: readonly TableRef[], options: LoadOptions = {}): Promise<DeferredKeys> {
  const toc = (await runTool(pgRestore, ['--list', file])).stdout.split('\n');
  // TOC entries: "ID; OID OID FK CONSTRAINT schema table name owner", "ID; OID OID TABLE DATA schema table owner".
  const covered = tables.map((t) => ` FK CONSTRAINT ${t.schema} ${t.table} `);
  // A partitioned table has no rows of its own (no TABLE DATA entry), and its key is checked against its partitions'
  // rows, where a covered partition's key would fail on the empty table it points at. Such a key cannot be made
  // NOT VALID (PostgreSQL refuses that on a partitioned table): it is left out of the scratch database, which holds
  // rows to copy, not the schema to compare (the live database's keys are not touched).
  const withRows = new Set(toc.filter((line) => !line.startsWith(';') && line.includes(' TABLE DATA ')).map((line) => line.slice(line.indexOf(' TABLE DATA ') + ' TABLE DATA '.length).replace(/ \S+$/, '')));
  const keyOfRowless = (line: string) => {
    const at = line.indexOf(' FK CONSTRAINT ');
    if (at === -1) return false;
    const rest = line.slice(at + ' FK CONSTRAINT '.length);
    return ![...withRows].some((table) => rest.startsWith(`${table} `));
  };
  const isCoveredKey = (line: string) => !line.startsWith(';') && covered.some((c) => line.includes(c));
  const isLeftOut = (line: string) => !line.startsWith(';') && !isCoveredKey(line) && keyOfRowless(line);
  const rows = tables.map((t) => ` TABLE DATA ${t.schema} ${t.table} `);
  const isOtherRows = (line: string) => options.onlyRowsOf === true && !line.startsWith(';') && line.includes(' TABLE DATA ') && !rows.some((r) => line.includes(r));
  const keys = toc.filter(isCoveredKey);
  const leftOut = options.leaveOutExtensions ? await options.leaveOutExtensions(tocExtensions(toc)) : [];
  if (leftOut.length > 0) options.onLeftOut?.(leftOut);
  const isLeftOutExtension = (line: string) =>
    !line.startsWith(';') && leftOut.some((e) => line.includes(` EXTENSION - ${e} `) || line.trimEnd().endsWith(` EXTENSION - ${e}`) || line.includes(` COMMENT - EXTENSION ${e} `) || line.trimEnd().endsWith(` COMMENT - EXTENSION ${e}`));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dbrollback-partial-list-'));
  try {
    const rest = path.join(dir, 'rest.list');
    await writeFile(rest, toc.map((line) => (isCoveredKey(line) || isOtherRows(line) || isLeftOut(line) || isLeftOutExtension(line) ? `;${line}` : line)).join('\n'));
    await runTool(pgRestore, ['--no-owner', '--no-privileges', '--exit-on-error', `--use-list=${rest}`, `--dbname=${scratch.database}`, file], { conn: scratch });
    if (keys.length === 0) return { sql: '', names: [] };
    const only = path.join(dir, 'keys.list');
    await writeFile(only, `${keys.join('\n')}\n`);
    // A script for psql: its meta-commands (\restrict and \unrestrict since 15.14) are psql's, not the server's.
    const script = (await runTool(pgRestore, ['--no-owner', '--no-privileges', `--use-list=${only}`, '--file=-', file])).stdout;
    const sql = script.split('\n').filter((line) => !line.startsWith('\\')).join('\n');
    // "ALTER TABLE ONLY s.t\n    ADD CONSTRAINT k FOREIGN KEY (...) REFERENCES ...;": NOT VALID unless the key already was.
    const names: string[] = [];
    const deferred = sql.replace(/(ADD CONSTRAINT ("(?:[^"]|"")+"|\S+)[^;]*?)(\s*);/g, (whole, body: string, name: string) => {
      if (/\bNOT VALID$/i.test(body)) return whole;
      names.push(name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name);
      return `${body} NOT VALID;`;
    });
    return { sql: deferred, names };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Makes the deferred keys in the scratch database and validates those between covered tables (both sides hold their rows). */
export async function addDeferredKeys(scratch: Db, keys: DeferredKeys, tables: readonly TableRef[]): Promise<void> {
  if (keys.sql === '') return;
  await scratch.query(keys.sql);
  // pg_restore's script empties search_path for its session.
  await scratch.query('RESET search_path');
  const names = tables.map((t) => `${t.schema}.${t.table}`);
  const { rows } = await scratch.query<{ table: string; constraint: string }>(
    `SELECT format('%I.%I', fn.nspname, f.relname) AS table, c.conname AS constraint
       FROM pg_constraint c
       JOIN pg_class f ON f.oid = c.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
       JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE c.contype = 'f' AND NOT c.convalidated AND c.conname = ANY($2::text[])
        AND format('%s.%s', fn.nspname, f.relname) = ANY($1::text[])
        AND format('%s.%s', tn.nspname, t.relname) = ANY($1::text[])`,
    [names, keys.names],
  );
  for (const r of rows) await scratch.query(`ALTER TABLE ${r.table} VALIDATE CONSTRAINT ${quoteIdent(r.constraint)}`);
}

/**
 * After the copy into the target (--replace): the recovered tables' keys to
 * live tables, made NOT VALID in the scratch database, are validated there,
 * against the live rows they point at.
 */
export async function validateCopiedKeys(into: Db, schema: string, keys: DeferredKeys): Promise<string[]> {
  if (keys.names.length === 0) return [];
  const { rows } = await into.query<{ table: string; constraint: string }>(
    `SELECT format('%I.%I', n.nspname, f.relname) AS table, c.conname AS constraint
       FROM pg_constraint c JOIN pg_class f ON f.oid = c.conrelid JOIN pg_namespace n ON n.oid = f.relnamespace
      WHERE c.contype = 'f' AND NOT c.convalidated AND n.nspname = $1 AND c.conname = ANY($2::text[]) ORDER BY 1, 2`,
    [schema, keys.names],
  );
  for (const r of rows) {
    try {
      await into.query(`ALTER TABLE ${r.table} VALIDATE CONSTRAINT ${quoteIdent(r.constraint)}`);
    } catch (cause) {
      const pgError = cause as { code?: string; detail?: string };
      if (pgError.code !== '23503') throw cause;
      throw new DbrollbackError('REFUSED', `refusing to replace: recovered rows of ${r.table} point at rows the live tables no longer hold (${r.constraint}: ${pgError.detail ?? 'a key is not present'})`, {
        hint: `The live tables were not touched; the recovered tables are in schema ${schema} of the target database. Copy the rows you need from there, or put the missing rows back and run again.`,
        details: { constraint: r.constraint, table: r.table, schema },
      });
    }
  }
  return rows.map((r) => `${r.table}.${r.constraint}`);
}
