/**
 * The SQL TypeORM migrations send, captured by running them through
 * TypeORM's own runner in a scratch database (capture/replay.ts): one
 * `runMigrations({ transaction: 'each' })` per migration, and
 * `undoLastMigration()` for a plan's downs. What TypeORM sends for itself
 * (its migrations table, typeorm_metadata, its existence checks) is left
 * out: only what each migration's up/down sent is its SQL.
 */
import path from 'node:path';
import { capturedDowns, capturedFiles, everyDown, replayCached, type ReplayMarks, type ReplayTool } from '../capture/replay.js';
import type { MigrationInfo } from '../contract.js';
import type { CaptureContext, CaptureSettings, CapturedDowns, CapturedFile } from '../tool.js';
import { toolConnection } from '../tool-connection.js';
import { newDataSource, type MigrationInstance, type TypeormProject } from './project.js';
import { definitionsOf, loadProject } from './run.js';

function wrap(instance: MigrationInstance, marks: ReplayMarks): void {
  for (const direction of ['up', 'down'] as const) {
    const original = instance[direction].bind(instance);
    instance[direction] = async (queryRunner: unknown) => {
      marks.enter();
      try {
        return await original(queryRunner);
      } finally {
        marks.leave();
      }
    };
  }
}

function replayTool(project: TypeormProject, list?: readonly MigrationInfo[]): ReplayTool {
  const { schema, table } = project.table;
  const listed = (list ?? definitionsOf(project)).filter((m) => m.path !== null).map((m) => ({ name: m.name, path: m.path, down: { kind: m.down, ...(m.downNote ? { note: m.downNote } : {}) } }));
  return {
    kind: 'typeorm',
    displayName: 'TypeORM',
    projectFiles: [project.file],
    bookkeeping: [table, `${schema ?? 'public'}.${table}`, 'typeorm_metadata', `${schema ?? 'public'}.typeorm_metadata`],
    list: listed,
    async open(conn, marks) {
      const ds = newDataSource(project, await toolConnection(conn));
      await ds.initialize();
      const all = [...ds.migrations];
      for (const instance of all) wrap(instance, marks);
      let applied = 0;
      return {
        async upOne() {
          // TypeORM's runner on the next migration alone, as dbrollback migrate runs it.
          ds.migrations = [all[applied]!];
          try {
            await ds.runMigrations({ transaction: 'each' });
          } finally {
            ds.migrations = all;
          }
          applied++;
        },
        async downOne() {
          const last = all[applied - 1];
          await ds.undoLastMigration({ transaction: last?.transaction === false ? 'none' : 'each' });
          applied--;
        },
        close: () => ds.destroy(),
      };
    },
  };
}

/** classify: every migration replayed in order; the files given picked out. */
export async function captureFiles(files: readonly string[], context: CaptureContext): Promise<CapturedFile[]> {
  const dirs = new Set(files.map((f) => path.dirname(f)));
  const project = await loadProject(dirs.size === 1 ? [...dirs][0]! : '', context);
  const tool = replayTool(project);
  const result = await replayCached(tool, { scratch: context.scratch, downsFrom: everyDown(tool), ...(context.cacheDir !== undefined ? { cacheDir: context.cacheDir } : {}), onProgress: context.onProgress });
  return capturedFiles(files, tool, result);
}

/** plan: applied up to the live head in a throwaway cluster, then `count` downs, as undo runs them (or all from the capture cache). */
export async function captureDowns(settings: CaptureSettings, from: { head: string; count: number }, migrations: readonly MigrationInfo[]): Promise<CapturedDowns> {
  const project = await loadProject(settings.migrationsDir ?? '', settings);
  return capturedDowns(await replayCached(replayTool(project, migrations), { downsFrom: from }));
}
