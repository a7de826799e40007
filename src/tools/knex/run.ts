/**
 * Knex behind the adapter contract: every up and down goes through Knex's
 * own Migrator (`knex.migrate.up/down/latest`, the project's installed knex,
 * the knexfile's settings), so its history rows, batches, lock and
 * transactions are Knex's own.
 *
 * - undo --count N / --to NAME: one `migrate.down({ name })` per migration,
 *   newest first — what `knex migrate:down` does, N times. Each down is its
 *   own Knex run (its own lock and transaction, unless the migration says
 *   `config.transaction = false`); the rows left keep their batches, as Knex
 *   leaves them.
 * - migrate: dbrollback applies one migration at a time, with a restore
 *   point before each, through `migrate.up()` — so, as with `knex
 *   migrate:up`, each migration it applies is a batch of its own (a later
 *   `knex migrate:rollback` undoes one of them, not the whole run). `up()`
 *   with no count is `migrate.latest()`: one batch, as `knex migrate:latest`.
 * - Knex's lock (`knex_migrations_lock.is_locked`): dbrollback refuses while
 *   it is set, naming `knex migrate:unlock`; Knex sets it itself during
 *   each run dbrollback makes.
 */
import { onSession } from '../../db/session.js';
import { withPgOptionsLockTimeout } from '../../db/lock-wait.js';
import { DbrollbackError } from '../../errors.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions, TableToolLock } from '../contract.js';
import { downConvention } from '../down-convention.js';
import { assertReversible } from '../down-guard.js';
import { migrationNotDefined, selectForDown } from '../select.js';
import { statusOf, type Definition } from '../status-of.js';
import { toolConnection } from '../tool-connection.js';
import { undoEach, undoEachOutcome } from '../undo-each.js';
import { DEFAULT_TABLE, findKnexfile, listKnexMigrations, loadKnexMigration, loadKnexProject, openKnex, type KnexProject } from './project.js';
import { lockHeld, lockHeldError, readHistory, type KnexTable } from './history.js';

export function createKnexAdapter(options: AdapterOptions): MigratorAdapter {
  return new KnexAdapter(options);
}

export interface KnexDefinition extends Definition {
  path: string;
  /** The migration's `config.transaction` is false (or the knexfile disables transactions): Knex runs it outside a transaction. */
  noTransaction: boolean;
}

/** The knexfile dbrollback would use, or the error saying where it looked. */
export function requireKnexfile(migrationsDir: string): string {
  const found = findKnexfile(migrationsDir || undefined);
  if (found) return found;
  throw new DbrollbackError('CONFIG_INVALID', `no knexfile found (looked for knexfile.ts/.js/.cjs/.mjs in ${process.cwd()}${migrationsDir ? ` and beside ${migrationsDir}` : ''})`, {
    hint: 'Run dbrollback in the directory that holds the knexfile (as you run the knex CLI), or pass --migrations pointing at the migrations directory beside it.',
  });
}

/** The definitions on disk as Knex lists them, with their down kinds read from each module. */
export async function knexDefinitions(project: KnexProject): Promise<KnexDefinition[]> {
  const files = await listKnexMigrations(project);
  return Promise.all(
    files.map(async (f) => {
      let exports: Record<string, unknown>;
      try {
        exports = await loadKnexMigration(f.path);
      } catch (cause) {
        throw new DbrollbackError('MIGRATIONS_INVALID', `knex cannot load the migration ${f.path}: ${(cause as Error).message}`, {
          hint: 'Fix the migration file (syntax, imports); knex would fail on it too.',
          cause,
        });
      }
      const config = exports.config as { transaction?: unknown } | undefined;
      const noTransaction = typeof config?.transaction === 'boolean' ? !config.transaction : project.migrations.disableTransactions;
      return { name: f.name, path: f.path, noTransaction, ...knexDownKind(exports) };
    }),
  );
}

/**
 * The other names a Knex user types for a migration (`--to`, `--before-migration`): the file name
 * without its extension (`20240112110000_create_bookings`, as `knex migrate:make` named it) and the
 * timestamp it starts with (`20240112110000`), each only where it names one migration.
 */
export function knexTags(names: readonly string[]): Map<string, string[]> {
  const forms = names.map((name) => {
    const stem = name.replace(/\.[^.]+$/, '');
    const stamp = /^(\d+)_/.exec(stem)?.[1];
    return [stem, ...(stamp !== undefined ? [stamp] : [])].filter((f) => f !== name);
  });
  const count = new Map<string, number>();
  for (const f of forms.flat()) count.set(f, (count.get(f) ?? 0) + 1);
  const out = new Map<string, string[]>();
  names.forEach((name, i) => {
    const unique = forms[i]!.filter((f) => count.get(f) === 1 && !names.includes(f));
    if (unique.length > 0) out.set(name, unique);
  });
  return out;
}

/** Knex runs no migration without both functions; a down that only throws or does nothing is the project's way to say it cannot be undone. */
export function knexDownKind(exports: Record<string, unknown>): Pick<Definition, 'down' | 'downNote'> {
  if (typeof exports.up !== 'function') return { down: 'missing', downNote: 'the module exports no up function (knex refuses it)' };
  if (typeof exports.down !== 'function') return { down: 'missing', downNote: 'the module exports no down function (knex refuses to run it)' };
  const convention = downConvention(exports.down);
  if (convention?.kind === 'throws') return { down: 'irreversible', downNote: `its down throws${convention.message ? ` ("${convention.message}")` : ''}` };
  if (convention?.kind === 'empty') return { down: 'empty', downNote: 'its down does nothing' };
  return { down: 'yes' };
}

class KnexAdapter implements MigratorAdapter {
  readonly kind = 'knex' as const;
  readonly toolLocks: readonly TableToolLock[];
  private loading: Promise<KnexProject> | undefined;
  private loaded: KnexProject | undefined;

  constructor(private readonly options: AdapterOptions) {
    this.toolLocks = [{ owner: 'knex', held: async (db) => lockHeld(db, this.table(await this.project())) }];
  }

  /** Known for sure once the knexfile is read (every method reads it first); until then the configured or default name. */
  get historyTable(): { schema: string; table: string } {
    const t = this.loaded ? this.table(this.loaded) : { schema: this.options.migrationsSchema ?? null, table: this.options.migrationsTable ?? DEFAULT_TABLE };
    return { schema: t.schema ?? 'public', table: t.table };
  }

  get bookkeeping(): { tables: Array<{ schema: string; table: string }> } {
    const h = this.historyTable;
    return { tables: [{ schema: h.schema, table: `${h.table}_lock` }] };
  }

  async status(): Promise<MigrationStatus> {
    const project = await this.project();
    const [{ history, held }, definitions] = await Promise.all([
      onSession(this.options.session, this.options.conn, async (db) => ({ history: await readHistory(db, this.table(project)), held: await lockHeld(db, this.table(project)) })),
      knexDefinitions(project),
    ]);
    const status = statusOf(this.kind, history, definitions, held ? { pid: 0, user: null, applicationName: null, clientAddr: null, backendStart: null, query: null, description: held } : null);
    const tags = knexTags(definitions.map((d) => d.name));
    const tag = (m: MigrationInfo): MigrationInfo => (tags.has(m.name) ? { ...m, tags: tags.get(m.name)! } : m);
    const applied = status.applied.map(tag);
    const pending = status.pending.map(tag);
    return { ...status, applied, pending, migrations: [...applied, ...pending] };
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
    if (status.lockHolder?.description) throw lockHeldError(status.lockHolder.description);
    const definitions = new Map((await knexDefinitions(project)).map((d) => [d.name, d]));

    const connection = await toolConnection(this.options.conn);
    const run = await withPgOptionsLockTimeout(runOptions.lockTimeoutMs, async () => {
      const knex = openKnex(project, connection, { ...(this.options.log ? { log: this.options.log } : {}) });
      try {
        // `knex migrate:down --name NAME`: exactly this migration, in its own Knex run.
        return await undoEach(selection, runOptions, async (m) => void (await knex.migrate.down({ name: m.name })));
      } finally {
        await knex.destroy().catch(() => undefined);
      }
    });
    const appliedAfter = (await onSession(this.options.session, this.options.conn, (db) => readHistory(db, this.table(project)))).map((h) => h.name);
    return undoEachOutcome(this.kind, selection, appliedAfter, run, (name) => definitions.get(name)?.noTransaction === true);
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    const project = await this.project();
    const held = await onSession(this.options.session, this.options.conn, (db) => lockHeld(db, this.table(project)));
    if (held) throw lockHeldError(held);
    const connection = await toolConnection(this.options.conn);
    const done: string[] = [];
    return withPgOptionsLockTimeout(upOptions.lockTimeoutMs, async () => {
      const knex = openKnex(project, connection, { ...(this.options.log ? { log: this.options.log } : {}) });
      try {
        if (count === undefined) {
          // `knex migrate:latest`: every pending migration, one batch.
          const [, names] = await knex.migrate.latest();
          done.push(...names);
        } else {
          // `knex migrate:up`, count times: the next migration, a batch of its own each time.
          for (let i = 0; i < count; i++) {
            const [, names] = await knex.migrate.up();
            if (names.length === 0) break;
            done.push(...names);
          }
        }
        return done;
      } catch (err) {
        throw new DbrollbackError('MIGRATION_FAILED', `knex up failed: ${(err as Error).message}. ` + (done.length > 0 ? `Applied before the failure: ${done.join(', ')}.` : 'Nothing was applied.'), {
          hint: /already locked/i.test((err as Error).message)
            ? 'A knex migration is running (or a killed one left knex_migrations_lock set: `knex migrate:unlock`).'
            : 'Fix the failing migration and run again: only pending migrations are applied.',
          cause: err,
          details: { applied: done },
        });
      } finally {
        await knex.destroy().catch(() => undefined);
      }
    });
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const project = await this.project();
    const found = (await listKnexMigrations(project)).find((m) => m.name === name);
    if (!found) throw migrationNotDefined(name, project.migrations.directories.join(', '));
    // The schema builder writes SQL only as it runs: captured in a scratch database (capture.ts).
    return { name, direction, sql: '', source: 'unknown', path: found.path, note: 'knex migrations are code; their SQL is only known by running them' };
  }

  async runSeed(file: string): Promise<void> {
    const project = await this.project();
    const seed = (await loadKnexMigration(file)).seed;
    if (typeof seed !== 'function') {
      throw new DbrollbackError('USAGE', `the seed file ${file} exports no seed function (a knex seed file exports seed(knex), as \`knex seed:make\` writes it)`, {
        hint: 'Pass --seed with a knex seed file, or a .sql file.',
      });
    }
    const knex = openKnex(project, await toolConnection(this.options.conn), { ...(this.options.log ? { log: this.options.log } : {}) });
    try {
      // As `knex seed:run` runs it, but in one transaction: a seed that does not fit leaves nothing behind.
      await knex.transaction(async (trx) => void (await (seed as (k: unknown) => unknown)(trx)));
    } finally {
      await knex.destroy().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    // Every method opens and destroys its own Knex instance.
  }

  private table(project: KnexProject): KnexTable {
    return { schema: project.migrations.schemaName, table: project.migrations.tableName };
  }

  private project(): Promise<KnexProject> {
    this.loading ??= loadKnexProject(requireKnexfile(this.options.migrationsDir), {
      migrationsTable: this.options.migrationsTable,
      migrationsSchema: this.options.migrationsSchema,
    }).then((p) => (this.loaded = p));
    return this.loading;
  }
}
