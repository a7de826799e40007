/**
 * The migration-tool family's one list. A tool is a folder under src/tools/
 * whose index.ts exports its `MigrationTool` entry, and one line here. The
 * order matters where two tools could read the same thing: detection asks
 * every tool, and classify offers a .sql file to each tool in this order
 * (the configured one first), so a format another tool also reads goes after
 * the tool that read it before.
 */
import { DbrollbackError } from '../errors.js';
import type { AdapterOptions, MigratorAdapter, ToolLock, ToolSettings } from './contract.js';
import { detectAmong, historyLookupOn, otherDefaultDirs, type DetectOptions, type DetectSettings } from './detect.js';
import { liquibase } from './liquibase/index.js';
import { dbmate } from './dbmate/index.js';
import { drizzle } from './drizzle/index.js';
import { flyway } from './flyway/index.js';
import { golangMigrate } from './golang-migrate/index.js';
import { knex } from './knex/index.js';
import { nodePgMigrate } from './node-pg-migrate/index.js';
import { prisma } from './prisma/index.js';
import { sql } from './sql/index.js';
import { sqitch } from './sqitch/index.js';
import type { MigrationTool } from './tool.js';
import { typeorm } from './typeorm/index.js';
import { umzug } from './umzug/index.js';

// golang-migrate reads the same `.up.sql` names as sql, pairing them by version where sql pairs by name:
// sql (the stricter) comes first for classify, and golang-migrate's files are its own only with --migrator
// (or when the database holds its table). It is the one tool after sql.
export const TOOLS = [nodePgMigrate, umzug, knex, typeorm, drizzle, prisma, liquibase, sqitch, flyway, dbmate, sql, golangMigrate] as const;

/** What --migrator may name: the registered tools' kinds. */
export type MigratorKind = (typeof TOOLS)[number]['kind'];

export const MIGRATOR_KINDS: readonly MigratorKind[] = TOOLS.map((t) => t.kind);

/** `a|b|c`, for hints that list the --migrator values. */
export const MIGRATOR_CHOICES = MIGRATOR_KINDS.join('|');

/** A registered tool by kind (undefined for a kind no tool has). */
export function toolOf(kind: string): MigrationTool | undefined {
  return (TOOLS as readonly MigrationTool[]).find((t) => t.kind === kind);
}

/** What opening an adapter may need beyond the settings. */
export type OpenAdapterOptions = Pick<AdapterOptions, 'log' | 'session'>;

/** The advisory locks a migrator takes while it runs (what dbrollback must see free before acting). */
export function migratorLockKeys(kind: string): readonly ToolLock[] {
  return toolOf(kind)?.locks ?? [];
}

/**
 * Which tool the project uses: --migrator, else detected (detect.ts) from
 * the config and the files, and — only when they do not decide and the
 * caller gives a way — the history tables in the database.
 */
export function detectMigrator(settings: DetectSettings, options: DetectOptions = {}): Promise<MigratorKind> {
  return detectAmong(TOOLS, settings, options) as Promise<MigratorKind>;
}

/**
 * Open the adapter for the project's migration tool. Detection may look at
 * the database's history tables (on the session when one is given); nothing
 * else connects until a method is called.
 */
export async function openAdapter(settings: ToolSettings, options: OpenAdapterOptions = {}): Promise<MigratorAdapter> {
  const kind = await detectMigrator(settings, { history: historyLookupOn(settings.conn, options.session) });
  const tool = toolOf(kind)!;
  if (tool.needsMigrationsDir && settings.migrationsDir === undefined) {
    throw new DbrollbackError('MIGRATIONS_INVALID', `--migrator ${kind} needs a migrations directory, and none is configured (no ./migrations directory was found${otherDefaultDirs()})`, {
      hint: 'Pass --migrations DIR (or set "migrations" in dbrollback.config.*).',
    });
  }
  return tool.open({
    conn: settings.conn,
    // A tool that finds its own migrations gets '' when none was configured.
    migrationsDir: settings.migrationsDir ?? '',
    ...(settings.configModule !== undefined ? { configModule: settings.configModule } : {}),
    ...(settings.migrationsTable !== undefined ? { migrationsTable: settings.migrationsTable } : {}),
    ...(settings.migrationsSchema !== undefined ? { migrationsSchema: settings.migrationsSchema } : {}),
    ...options,
  });
}
