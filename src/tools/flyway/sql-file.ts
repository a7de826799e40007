/**
 * How classify reads Flyway scripts without running them: a versioned
 * migration `V<version>__<description>.sql` with its undo script
 * `U<version>__<description>.sql` (Flyway Teams) beside it as the down, a
 * repeatable `R__<description>.sql` with no down — or as the project's
 * naming settings name them (names.ts; a folder of scripts with another
 * suffix than `.sql` is listed by migrationFiles). Flyway runs a script in a
 * transaction unless it holds a statement PostgreSQL refuses in one (then
 * the whole script runs outside) or its `.sql.conf` says
 * executeInTransaction=false. A folder of them is classified in Flyway's
 * order: versions numerically (1.10 after 1.9), then repeatables.
 *
 * What is classified is the SQL Flyway sends: placeholders replaced
 * (placeholders.ts) with the project's Flyway configuration (config.ts) and
 * the built-ins; without a database, `${flyway:user}` and
 * `${flyway:database}` take libpq's defaults (PGUSER, else the OS user;
 * PGDATABASE, else the user), and `${flyway:defaultSchema}` the configured
 * schema, else public.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { hasSql } from '../../sql/sql-text.js';
import { ParserNotLoaded, parseTree } from '../../sql/parser.js';
import { unreadableFile } from '../unreadable-file.js';
import type { SqlDown, SqlFileReader } from '../tool.js';
import os from 'node:os';
import { loadFlywayConfig, type FlywayConfig } from './config.js';
import { configuredOutsideTransaction, type FlywayScript } from './files.js';
import { DEFAULT_TABLE } from './history.js';
import { replacePlaceholders, type PlaceholderContext } from './placeholders.js';
import { compareVersions, DEFAULT_NAMING, parseName, readName, stemOf, type FlywayNaming } from './names.js';

export const FLYWAY_SQL_READER: SqlFileReader = {
  read(file, text) {
    const name = safeParse(path.basename(file));
    if (!name || name.kind === 'undo') return null;
    const sent = asSent(text, file, name);
    return {
      up: { text: sent, path: file, firstLine: 1, inTransaction: !configuredOutsideTransaction(file) && !refusesTransaction(sent) },
      down: () => (name.kind === 'repeatable' ? { kind: 'missing', path: null } : undoOf(file, name.parts)),
    };
  },
  isCompanion(name, names) {
    const parsed = safeParse(name);
    if (parsed?.kind !== 'undo') return false;
    return [...names].some((n) => {
      const other = safeParse(n);
      return other?.kind === 'versioned' && compareVersions(other.parts, parsed.parts) === 0;
    });
  },
  compareFiles(a, b) {
    const [x, y] = [safeParse(path.basename(a)), safeParse(path.basename(b))];
    const rank = (n: typeof x) => (n?.kind === 'versioned' ? 0 : n?.kind === 'repeatable' ? 1 : 2);
    if (rank(x) !== rank(y)) return rank(x) - rank(y);
    if (x?.kind === 'versioned' && y?.kind === 'versioned') return compareVersions(x.parts, y.parts);
    const [da, db] = [x?.description ?? a, y?.description ?? b];
    return da < db ? -1 : da > db ? 1 : 0;
  },
  readsAsSql(name) {
    const naming = namingHere();
    const read = readName(name, naming);
    return read.kind === 'migration' && read.name.kind !== 'undo';
  },
  claimsFolder: (names) => [...names].some((n) => readName(n, namingHere()).kind === 'migration'),
  migrationFiles(dir) {
    // Only scripts .sql does not cover need listing here: classify lists .sql files itself.
    const naming = namingHere();
    if (naming.suffixes.every((s) => s.toLowerCase() === '.sql')) return null;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      // Not a readable folder: classify reports it when it lists the folder itself.
      return null;
    }
    const scripts = names.filter((n) => {
      const read = readName(n, naming);
      return read.kind === 'migration' && read.name.kind !== 'undo';
    });
    if (!scripts.some((n) => !n.toLowerCase().endsWith('.sql'))) return null;
    return scripts.sort((a, b) => this.compareFiles!(a, b)).map((n) => path.join(dir, n));
  },
};

/** The file name read with the naming of the Flyway configuration where dbrollback runs (null when not a migration name). */
function safeParse(name: string) {
  try {
    return parseName(name, namingHere());
  } catch {
    // An invalid name under validateMigrationNaming=true: not read as Flyway's (the adapter refuses it when the folder is loaded).
    return null;
  }
}

/** The naming of the project's Flyway configuration; Flyway's defaults when that cannot be read (the classification of a Flyway script then reports why). */
function namingHere(): FlywayNaming {
  try {
    return projectConfig().naming;
  } catch {
    // Reported by asSent, which reads the same configuration for the script's placeholders.
    return DEFAULT_NAMING;
  }
}

function undoOf(file: string, parts: bigint[]): SqlDown {
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    throw unreadableFile(dir, cause);
  }
  const undo = names.find((n) => {
    const p = safeParse(n);
    return p?.kind === 'undo' && compareVersions(p.parts, parts) === 0;
  });
  if (!undo) return { kind: 'missing', path: null };
  const undoPath = path.join(dir, undo);
  let text: string;
  try {
    text = asSent(readFileSync(undoPath, 'utf8'), undoPath, safeParse(undo)!);
  } catch (cause) {
    if (cause instanceof Error && 'code' in cause && cause.code === 'PLACEHOLDER_MISSING') throw cause;
    throw unreadableFile(undoPath, cause);
  }
  return hasSql(text) ? { kind: 'yes', text, path: undoPath, firstLine: 1, inTransaction: !configuredOutsideTransaction(undoPath) && !refusesTransaction(text) } : { kind: 'empty', path: undoPath };
}

let config: { key: string; config: FlywayConfig } | undefined;
/** The configuration answered in this turn of the event loop: a sort's comparisons (thousands in a turn) do not each look at the environment (about 0.1 ms). */
let thisTurn: { config: FlywayConfig } | { error: unknown } | undefined;

/** The project's Flyway configuration, read once per working directory and Flyway environment (CONFIG_INVALID when it cannot be read). */
function projectConfig(): FlywayConfig {
  if (!thisTurn) {
    thisTurn = readProjectConfig();
    setImmediate(() => {
      thisTurn = undefined;
    }).unref();
  }
  if ('error' in thisTurn) throw thisTurn.error;
  return thisTurn.config;
}

function readProjectConfig(): { config: FlywayConfig } | { error: unknown } {
  const cwd = process.cwd();
  const key = JSON.stringify([cwd, Object.entries(process.env).filter(([k]) => /^flyway_/i.test(k)).sort()]);
  try {
    if (config?.key !== key) config = { key, config: loadFlywayConfig({ workingDirectory: cwd }) };
    return { config: config.config };
  } catch (error) {
    return { error };
  }
}

/** The script with its placeholders replaced, as Flyway sends it. */
function asSent(text: string, file: string, name: NonNullable<ReturnType<typeof safeParse>>): string {
  const project = projectConfig();
  const user = process.env.PGUSER || os.userInfo().username;
  const ctx: PlaceholderContext = {
    config: project,
    defaultSchema: project.defaultSchema ?? 'public',
    table: project.table ?? DEFAULT_TABLE,
    user,
    database: process.env.PGDATABASE || user,
    startedAt: new Date(),
  };
  const script: FlywayScript = { ...name, name: stemOf(path.basename(file), project.naming), script: path.basename(file), path: file };
  return replacePlaceholders(text, script, ctx);
}

/** A statement PostgreSQL refuses inside a transaction block: Flyway then runs the script outside one. */
function refusesTransaction(text: string): boolean {
  let stmts: Array<{ stmt: Record<string, Record<string, unknown>> }>;
  try {
    stmts = ((parseTree(text) as { stmts?: typeof stmts }).stmts ?? []);
  } catch (err) {
    if (err instanceof ParserNotLoaded) throw err;
    // The classification reports the syntax error with its position.
    return false;
  }
  return stmts.some(({ stmt }) => {
    const [type, node] = Object.entries(stmt)[0] ?? [];
    if (!node) return false;
    if (type === 'IndexStmt' || type === 'DropStmt') return node.concurrent === true;
    if (type === 'VacuumStmt') return node.is_vacuumcmd === true;
    return type === 'CreatedbStmt' || type === 'DropdbStmt' || type === 'AlterSystemStmt' || type === 'CreateTableSpaceStmt' || type === 'DropTableSpaceStmt';
  });
}
