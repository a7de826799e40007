/**
 * The SQL Knex migrations send, captured by running them through Knex's own
 * Migrator in a scratch database (capture/replay.ts): `migrate.up()` one
 * migration at a time, `migrate.down()` for a plan's downs. Knex's own
 * statements (its history and lock tables, its existence checks) are left
 * out: only what each migration's function sent is its SQL.
 */
import path from 'node:path';
import { capturedDowns, capturedFiles, everyDown, replayCached, type ReplayTool } from '../capture/replay.js';
import type { MigrationInfo } from '../contract.js';
import type { CaptureContext, CaptureSettings, CapturedDowns, CapturedFile } from '../tool.js';
import { toolConnection } from '../tool-connection.js';
import { loadKnexProject, openKnex, type KnexProject } from './project.js';
import { knexDefinitions, requireKnexfile } from './run.js';

async function replayTool(project: KnexProject, list?: readonly MigrationInfo[]): Promise<ReplayTool> {
  const table = project.migrations.tableName;
  const schema = project.migrations.schemaName ?? 'public';
  const listed = list
    ? list.filter((m) => m.path !== null).map((m) => ({ name: m.name, path: m.path, down: { kind: m.down, ...(m.downNote ? { note: m.downNote } : {}) } }))
    : (await knexDefinitions(project)).map((d) => ({ name: d.name, path: d.path, down: { kind: d.down, ...(d.downNote ? { note: d.downNote } : {}) } }));
  return {
    kind: 'knex',
    displayName: 'knex',
    projectFiles: [project.knexfile],
    bookkeeping: [table, `${table}_lock`, `${schema}.${table}`, `${schema}.${table}_lock`],
    list: listed,
    async open(conn, marks) {
      const knex = openKnex(project, await toolConnection(conn), { wrap: marks });
      return {
        upOne: async () => void (await knex.migrate.up()),
        downOne: async () => void (await knex.migrate.down()),
        close: () => knex.destroy(),
      };
    },
  };
}

function settingsOf(dir: string | undefined, context: { migrationsTable?: string | undefined; migrationsSchema?: string | undefined }): Promise<KnexProject> {
  return loadKnexProject(requireKnexfile(dir ?? ''), { migrationsTable: context.migrationsTable, migrationsSchema: context.migrationsSchema });
}

/** classify: every migration replayed in order; the files given picked out. */
export async function captureFiles(files: readonly string[], context: CaptureContext): Promise<CapturedFile[]> {
  const dirs = new Set(files.map((f) => path.dirname(f)));
  const project = await settingsOf(dirs.size === 1 ? [...dirs][0] : undefined, context);
  const tool = await replayTool(project);
  const result = await replayCached(tool, { scratch: context.scratch, downsFrom: everyDown(tool), ...(context.cacheDir !== undefined ? { cacheDir: context.cacheDir } : {}), onProgress: context.onProgress });
  return capturedFiles(files, tool, result);
}

/** plan: applied up to the live head in a throwaway cluster, then `count` downs, as undo runs them (or all from the capture cache). */
export async function captureDowns(settings: CaptureSettings, from: { head: string; count: number }, migrations: readonly MigrationInfo[]): Promise<CapturedDowns> {
  const project = await settingsOf(settings.migrationsDir, settings);
  const tool = await replayTool(project, migrations);
  return capturedDowns(await replayCached(tool, { downsFrom: from }));
}
