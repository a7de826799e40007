/**
 * TypeORM behind the adapter contract: every up and down through TypeORM's
 * own runner on a DataSource of the project's class and options
 * (project.ts), so the migrations table is written by TypeORM itself.
 *
 * - migrate: one migration at a time (a restore point before each):
 *   `runMigrations({ transaction: 'each' })` on a DataSource that knows only
 *   the next pending migration — TypeORM's runner, its table writes and its
 *   per-migration transaction (a migration with `transaction = false` runs
 *   outside one, as TypeORM runs it).
 * - undo --count N: `undoLastMigration()` N times, newest first (TypeORM
 *   undoes the highest id), each in its own transaction — `'none'` for a
 *   migration that says `transaction = false`, as `typeorm migration:revert
 *   -t false` would run it (a DROP INDEX CONCURRENTLY cannot run in one).
 * TypeORM takes no lock of its own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { onSession } from '../../db/session.js';
import { withPgOptionsLockTimeout } from '../../db/lock-wait.js';
import { DbrollbackError } from '../../errors.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import { downConvention } from '../down-convention.js';
import { assertReversible } from '../down-guard.js';
import { migrationNotDefined, selectForDown } from '../select.js';
import { statusOf, type Definition } from '../status-of.js';
import { toolConnection } from '../tool-connection.js';
import { undoEach, undoEachOutcome, type UndoEachRun } from '../undo-each.js';
import { NO_TIMES_NOTE, readHistory } from './history.js';
import { DEFAULT_TABLE, findDataSourceFile, loadTypeormProject, newDataSource, scriptedDataSources, type TypeormMigration, type TypeormProject } from './project.js';

export function createTypeormAdapter(options: AdapterOptions): MigratorAdapter {
  return new TypeormAdapter(options);
}

export function requireDataSourceFile(migrationsDir: string): string {
  const found = findDataSourceFile(migrationsDir || undefined);
  if (found) return found;
  // The scripts name a file that is not there: a compiled one (dist/...) before the project is built.
  const missing = scriptedDataSources(process.cwd()).filter((f) => !existsSync(f)).map((f) => path.relative(process.cwd(), f));
  throw new DbrollbackError('CONFIG_INVALID', `no TypeORM data source file found (looked for a typeorm -d FILE in package.json's scripts, and for data-source.ts/.js and the like in ${process.cwd()}, its src/ folder${migrationsDir ? `, and beside ${migrationsDir}` : ''})${missing.length > 0 ? `; package.json's scripts name ${missing.join(', ')}, which does not exist` : ''}`, {
    hint: `${missing.length > 0 ? 'Build the project first (the scripts run the typeorm CLI on the compiled data source), or run' : 'Run'} dbrollback in the project directory (as you run the typeorm CLI), or pass --migrations pointing at the migrations folder beside the data source file.`,
  });
}

export function loadProject(migrationsDir: string, settings: { migrationsTable?: string | undefined; migrationsSchema?: string | undefined }): Promise<TypeormProject> {
  return Promise.resolve().then(() => loadTypeormProject(requireDataSourceFile(migrationsDir), settings));
}

/** A migration's down as the project wrote it: one that only throws or does nothing is its way to say it cannot be undone. */
export function typeormDownKind(m: TypeormMigration): Pick<Definition, 'down' | 'downNote'> {
  if (typeof m.instance.down !== 'function') return { down: 'missing', downNote: 'the class has no down method' };
  const convention = downConvention(m.instance.down);
  if (convention?.kind === 'throws') return { down: 'irreversible', downNote: `its down throws${convention.message ? ` ("${convention.message}")` : ''}` };
  if (convention?.kind === 'empty') return { down: 'empty', downNote: 'its down does nothing' };
  return { down: 'yes' };
}

/**
 * The other names a TypeORM user types for a migration: its file's name
 * without the extension (what `typeorm migration:create` printed,
 * `1712390712000-CreateEnrollment`) and its timestamp, each only where it
 * names one migration.
 */
export function typeormTags(migrations: readonly Pick<TypeormMigration, 'name' | 'timestamp' | 'path'>[]): Map<string, string[]> {
  const names = migrations.map((m) => m.name);
  const forms = migrations.map((m) => [...(m.path !== null ? [path.basename(m.path).replace(/\.[^.]+$/, '')] : []), String(m.timestamp)].filter((f) => f !== m.name));
  const count = new Map<string, number>();
  for (const f of forms.flatMap((list) => [...new Set(list)])) count.set(f, (count.get(f) ?? 0) + 1);
  const out = new Map<string, string[]>();
  migrations.forEach((m, i) => {
    const unique = [...new Set(forms[i]!)].filter((f) => count.get(f) === 1 && !names.includes(f));
    if (unique.length > 0) out.set(m.name, unique);
  });
  return out;
}

export function definitionsOf(project: TypeormProject): Definition[] {
  return project.migrations.map((m) => ({ name: m.name, path: m.path, ...typeormDownKind(m) }));
}

class TypeormAdapter implements MigratorAdapter {
  readonly kind = 'typeorm' as const;
  readonly toolLocks = [];
  private loading: Promise<TypeormProject> | undefined;
  private loaded: TypeormProject | undefined;

  constructor(private readonly options: AdapterOptions) {}

  get historyTable(): { schema: string; table: string } {
    const t = this.loaded?.table ?? { schema: this.options.migrationsSchema ?? null, table: this.options.migrationsTable ?? DEFAULT_TABLE };
    return { schema: t.schema ?? 'public', table: t.table };
  }

  async status(): Promise<MigrationStatus> {
    const project = await this.project();
    const history = await onSession(this.options.session, this.options.conn, (db) => readHistory(db, project.table));
    const status = statusOf(this.kind, history, definitionsOf(project), null);
    const tags = typeormTags(project.migrations);
    const tag = (m: MigrationInfo): MigrationInfo => (tags.has(m.name) ? { ...m, tags: tags.get(m.name)! } : m);
    const applied = status.applied.map(tag);
    const pending = status.pending.map(tag);
    return { ...status, applied, pending, migrations: [...applied, ...pending], appliedAtNote: NO_TIMES_NOTE };
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const status = await this.status();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const project = await this.project();
    const status = await this.status();
    const selection = selectForDown(status.applied, target, status.migrations);
    if (selection.length === 0) return { steps: [], singleTransaction: false, headAfter: status.head };
    assertReversible(selection);
    const byName = new Map(project.migrations.map((m) => [m.name, m]));
    // TypeORM undoes the highest id: it must be this one (nothing applied meanwhile).
    const guard = async (m: MigrationInfo): Promise<Error | undefined> => {
      const head = (await onSession(this.options.session, this.options.conn, (db) => readHistory(db, project.table))).at(-1)?.name;
      return head === m.name ? undefined : new DbrollbackError('MIGRATION_FAILED', `TypeORM's last executed migration is ${head ?? '(none)'}, not ${m.name}: the migrations table changed while undoing`);
    };
    const connection = await toolConnection(this.options.conn);
    const run = await withPgOptionsLockTimeout(runOptions.lockTimeoutMs, async (): Promise<UndoEachRun> => {
      const ds = newDataSource(project, connection, this.logOption());
      try {
        await ds.initialize();
        return await undoEach(selection, runOptions, (m) => ds.undoLastMigration({ transaction: byName.get(m.name)?.instance.transaction === false ? 'none' : 'each' }), guard);
      } catch (error) {
        // The DataSource could not be opened: nothing was undone.
        return { durations: new Map(), error };
      } finally {
        if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      }
    });
    const appliedAfter = (await onSession(this.options.session, this.options.conn, (db) => readHistory(db, project.table))).map((h) => h.name);
    return undoEachOutcome(this.kind, selection, appliedAfter, run, (name) => byName.get(name)?.instance.transaction === false);
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    const project = await this.project();
    const connection = await toolConnection(this.options.conn);
    const done: string[] = [];
    return withPgOptionsLockTimeout(upOptions.lockTimeoutMs, async () => {
      try {
        for (let i = 0; count === undefined || i < count; i++) {
          const executed = new Set((await onSession(this.options.session, this.options.conn, (db) => readHistory(db, project.table))).map((h) => h.name));
          const next = project.migrations.find((m) => !executed.has(m.name));
          if (!next) break;
          // TypeORM's own runner, on a DataSource that knows only the next migration.
          const ds = newDataSource(project, connection, { ...this.logOption(), migrations: [next] });
          try {
            await ds.initialize();
            const ran = await ds.runMigrations({ transaction: 'each' });
            done.push(...ran.map((m) => m.name));
          } finally {
            if (ds.isInitialized) await ds.destroy().catch(() => undefined);
          }
        }
        return done;
      } catch (err) {
        throw new DbrollbackError('MIGRATION_FAILED', `TypeORM migration failed: ${(err as Error).message}. ` + (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied.'), {
          hint: 'Fix the failing migration and run again: only pending migrations are applied.',
          cause: err,
          details: { applied: done },
        });
      }
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const project = await this.project();
    const found = project.migrations.find((m) => m.name === name);
    if (!found) throw migrationNotDefined(name, project.file);
    return { name, direction, sql: '', source: 'unknown', path: found.path, note: 'TypeORM migrations are code; their SQL is only known by running them' };
  }

  async close(): Promise<void> {
    // Every method opens and destroys its own DataSource.
  }

  private logOption(): { log?: (line: string) => void } {
    return this.options.log ? { log: this.options.log } : {};
  }

  private project(): Promise<TypeormProject> {
    this.loading ??= loadProject(this.options.migrationsDir, { migrationsTable: this.options.migrationsTable, migrationsSchema: this.options.migrationsSchema }).then((p) => (this.loaded = p));
    return this.loading;
  }
}
