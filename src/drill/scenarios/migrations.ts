/**
 * The `migrations` drill: every migration up, one at a time, in an empty
 * database of the throwaway server, with a schema snapshot after each; then
 * back down one at a time, each down checked against the snapshot taken
 * before its up — and every table its up did not touch must keep its
 * fingerprint through the down; then up again, each checked against the
 * snapshot after its first up (up → down → up).
 *
 * A migration without a usable down (irreversible, or none written) cannot
 * be walked past: its down is reported skipped, and the downs below it are
 * still rehearsed, in a fresh database brought up to the migration before it.
 *
 * `--seed FILE` puts data in the way of the downs: it is loaded (in one
 * transaction) after the first up whose schema it fits, and again at the
 * same point on the way up again.
 */
import type { Db } from '../../db/connection.js';
import { connect } from '../../db/connection.js';
import type { ConnInfo } from '../../db/conninfo.js';
import { MIGRATOR_CHOICES } from '../../tools/registry.js';
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import { fingerprint } from '../../fingerprint/fingerprint.js';
import type { MigrationInfo, MigratorAdapter } from '../../tools/contract.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { describeDiff, diffLogical, LogicalIds, logicalSnapshot } from '../logical-schema.js';
import { freshDatabase } from '../scratch-database.js';
import { DrillFinding, type DrillSteps } from '../steps.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface MigrationsDrillOptions {
  /** Opens the project's migration tool on a database (always one of the drill's throwaway server). */
  openMigrator: (conn: ConnInfo) => Promise<MigratorAdapter>;
  /** SQL to load after the first up it fits (`--seed FILE`). */
  seed?: { name: string; sql: string };
  /** The database created for the drill on the throwaway server. */
  database?: string;
}

type Fingerprints = Map<string, string>;

interface Walk {
  adapter: MigratorAdapter;
  db: Db;
  close(): Promise<void>;
}

export function migrationsScenario(options: MigrationsDrillOptions): Scenario {
  return {
    name: 'migrations',
    run: (context, steps) => runMigrationsDrill(options, context, steps),
  };
}

async function runMigrationsDrill(options: MigrationsDrillOptions, context: ScenarioContext, steps: DrillSteps): Promise<ScenarioOutcome> {
  const server = await context.server();
  const database = options.database ?? 'dbrollback_drill_migrations';
  const open = async (): Promise<Walk> => {
    const conn = await freshDatabase(server.conn, database);
    const adapter = await options.openMigrator(conn);
    const db = await connect(conn).catch(async (err: unknown) => {
      await adapter.close();
      throw err;
    });
    return { adapter, db, close: async () => void (await Promise.allSettled([adapter.close(), db.end()])) };
  };

  let walk = await open();
  try {
    const status = await walk.adapter.status();
    const migrations = status.migrations;
    if (migrations.length === 0) {
      throw new DbrollbackError('MIGRATIONS_INVALID', 'there are no migrations to drill', { hint: `Pass --migrations DIR (and --migrator ${MIGRATOR_CHOICES} if it cannot be detected).` });
    }
    const names = migrations.map((m) => m.name);
    const n = names.length;
    const history = walk.adapter.historyTable;
    const historyKey = history ? `${history.schema}.${history.table}` : null;
    // The tool's own tables (and schema) change with every up and down by design: left out like its history.
    const own = walk.adapter.bookkeeping;
    const excluded = [...(historyKey ? [historyKey] : []), ...(own?.tables ?? []).map((t) => `${t.schema}.${t.table}`), ...(own?.schema ? [`${own.schema}.*`] : [])];
    const isExcluded = (schema: string, table: string) => excluded.includes(`${schema}.${table}`) || excluded.includes(`${schema}.*`);
    const seed = options.seed;
    const seedStep = seed ? `seed ${seed.name}` : '';
    steps.plan([...names.map((m) => `up ${m}`), ...(seed ? [seedStep] : []), ...[...names].reverse().map((m) => `down ${m}`), ...names.map((m) => `up again ${m}`)]);

    const ids = new LogicalIds();
    const snap = async (w: Walk): Promise<SchemaSnapshot> => schemaSnapshot(w.db, { exclude: excluded });
    const prints = async (w: Walk): Promise<Fingerprints> =>
      new Map((await fingerprint(w.db)).filter((t) => !isExcluded(t.schema, t.table)).map((t) => [`${t.schema}.${t.table}`, `${t.rows}:${t.hash}`]));

    // 1. Up, one at a time: the schema after each (S), the data right after the up (U) and after the seed (F).
    const S: SchemaSnapshot[] = [await snap(walk)];
    const F: Fingerprints[] = [await prints(walk)];
    const U: Fingerprints[] = [F[0]!];
    let seedAt: number | null = null;
    let seedError = '';
    for (let i = 1; i <= n; i++) {
      await steps.run(`up ${names[i - 1]}`, () => up(walk, names[i - 1]!));
      U[i] = await prints(walk);
      if (seed && seedAt === null) {
        const started = performance.now();
        const failed = await loadSeed(walk.db, seed.sql);
        if (failed === null) {
          seedAt = i;
          steps.record(seedStep, 'pass', started, `loaded after ${names[i - 1]}`);
        } else {
          seedError = failed;
        }
      }
      S[i] = await snap(walk);
      F[i] = await prints(walk);
    }
    if (seed && seedAt === null) {
      await steps.check(seedStep, async () => {
        throw new DbrollbackError('USAGE', `seed ${seed.name} fits the schema after none of the ${n} migrations; after the last: ${seedError}`, {
          hint: 'Fix the seed file (it runs in one transaction after the first up it fits), or drill without --seed.',
        });
      });
    }
    const seedAfter = seedAt;

    // A database brought up to `level` migrations, seeded as the first walk was, and checked against it.
    const rebuild = async (level: number): Promise<Walk> => {
      await walk.close();
      const fresh = await open();
      for (let i = 1; i <= level; i++) {
        await up(fresh, names[i - 1]!);
        if (seedAfter === i && seed) {
          const failed = await loadSeed(fresh.db, seed.sql);
          if (failed !== null) throw new DrillFinding(`seed ${seed.name} failed after ${names[i - 1]} in the fresh database: ${failed}`);
        }
      }
      const diff = diffLogical(S[level]!, await snap(fresh), ids);
      if (!diff.identical) throw new DrillFinding(`the same ups gave another schema in a fresh database: ${describeDiff(diff)}`);
      return fresh;
    };

    // 2. Down, one at a time, from the head.
    let level = n;
    let rehearsed = 0;
    const irreversible: string[] = [];
    while (level >= 1) {
      const migration = migrations[level - 1]!;
      if (!hasDown(migration)) {
        irreversible.push(migration.name);
        steps.skip(`down ${migration.name}`, `${migration.down === 'missing' ? 'it has no down' : 'declared irreversible'}: the way back past it is a restore`);
        level -= 1;
        if (level === 0) break;
        const below = level;
        walk = await steps.run(`rebuild at ${names[below - 1]}`, () => rebuild(below), () => `a fresh database with ${below} migration(s) applied, to rehearse the downs below ${migration.name}`);
        continue;
      }
      const i = level;
      await steps.check(`down ${migration.name}`, async () => {
        const before = await prints(walk);
        await down(walk, migration.name);
        const diff = diffLogical(S[i - 1]!, await snap(walk), ids);
        const after = await prints(walk);
        const untouched = untouchedTables(S[i - 1]!, S[i]!, F[i - 1]!, U[i]!, ids);
        const changed = untouched.filter((t) => before.get(t) !== after.get(t));
        const problems: string[] = [];
        if (!diff.identical) problems.push(`the schema differs from before ${migration.name}: ${describeDiff(diff)}`);
        if (changed.length > 0) problems.push(`tables ${migration.name} did not touch changed: ${changed.map((t) => `${t} (${rowsOf(before.get(t))} → ${rowsOf(after.get(t))} rows)`).join(', ')}`);
        return problems.length > 0
          ? { ok: false, detail: problems.join('; ') }
          : { ok: true, detail: `schema equals the snapshot before it; ${untouched.length} untouched table(s) kept their fingerprints` };
      });
      rehearsed += 1;
      level -= 1;
    }

    // 3. Up again, from empty: each must give the schema its first up gave.
    if (level !== 0) walk = await steps.run('rebuild empty', () => rebuild(0), () => 'a fresh empty database for the walk up again');
    for (let i = 1; i <= n; i++) {
      const name = names[i - 1]!;
      await steps.check(`up again ${name}`, async () => {
        await up(walk, name);
        if (seedAfter === i && seed) {
          const failed = await loadSeed(walk.db, seed.sql);
          if (failed !== null) throw new DrillFinding(`seed ${seed.name} failed after ${name} on the way up again: ${failed}`);
        }
        const diff = diffLogical(S[i]!, await snap(walk), ids);
        return diff.identical ? { ok: true, detail: 'schema equals the snapshot after its first up' } : { ok: false, detail: `the schema differs from after its first up: ${describeDiff(diff)}` };
      });
    }

    const skipped = irreversible.length > 0 ? `; ${irreversible.length} without a down (${irreversible.join(', ')}: restore is the way back)` : '';
    return {
      detail: `${n} migrations up → down → up: ${rehearsed} down(s) rehearsed and matched${skipped}${seed ? `; seed loaded after ${names[seedAfter! - 1]}` : ''}`,
      facts: { migrator: walk.adapter.kind, migrations: n, downsRehearsed: rehearsed, withoutDown: irreversible, seedLoadedAfter: seed ? names[seedAfter! - 1] : null },
    };
  } finally {
    await walk.close();
  }
}

function hasDown(m: MigrationInfo): boolean {
  return m.down === 'yes' || m.down === 'inferred';
}

/** Apply exactly the next migration, `expected`; a migration that fails is a finding. */
async function up(walk: Walk, expected: string): Promise<void> {
  let applied: string[];
  try {
    applied = await walk.adapter.up(1);
  } catch (err) {
    throw asFinding(err, `up ${expected} failed`);
  }
  if (applied.length !== 1 || applied[0] !== expected) {
    throw new DrillFinding(`expected the tool to apply ${expected}, it applied ${applied.length > 0 ? applied.join(', ') : 'nothing'}`);
  }
}

async function down(walk: Walk, expected: string): Promise<void> {
  let result;
  try {
    result = await walk.adapter.down({ count: 1 });
  } catch (err) {
    throw asFinding(err, `down ${expected} failed`);
  }
  const step = result.steps[0];
  if (!step || step.name !== expected || step.status !== 'success') {
    throw new DrillFinding(`down ${expected} did not complete${step?.error ? `: ${step.error}` : ''}`);
  }
}

function asFinding(err: unknown, what: string): unknown {
  // The migration itself failing is what a drill exists to find; anything else stopped the drill.
  if (isDbrollbackError(err) && (err.code === 'MIGRATION_FAILED' || err.code === 'IRREVERSIBLE')) return new DrillFinding(`${what}: ${err.message}`);
  return err;
}

/** Run the seed in one transaction; null when it worked, else PostgreSQL's message (nothing kept). */
async function loadSeed(db: Db, sql: string): Promise<string | null> {
  await db.query('BEGIN');
  try {
    await db.query(sql);
    await db.query('COMMIT');
    return null;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Tables migration i did not touch: the same definition before and after
 * its up, and the same rows and fingerprint right before and right after it.
 */
function untouchedTables(before: SchemaSnapshot, after: SchemaSnapshot, printsBefore: Fingerprints, printsAfterUp: Fingerprints, ids: LogicalIds): string[] {
  const a = logicalSnapshot(before, ids).relations;
  const b = logicalSnapshot(after, ids).relations;
  return Object.keys(a).filter((key) => {
    const rel = a[key]!;
    if (rel.kind !== 'table' && rel.kind !== 'partitioned table') return false;
    const same = key in b && JSON.stringify(rel) === JSON.stringify(b[key]);
    return same && printsBefore.has(key) && printsBefore.get(key) === printsAfterUp.get(key);
  });
}

function rowsOf(print: string | undefined): string {
  return print === undefined ? 'missing' : print.split(':')[0]!;
}

/** Read a `--seed FILE` (bad input: exit 2, nothing started). */
export async function readSeedFile(file: string): Promise<{ name: string; sql: string }> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  try {
    return { name: path.basename(file), sql: await readFile(file, 'utf8') };
  } catch (cause) {
    throw new DbrollbackError('FILE_UNREADABLE', `cannot read the seed file ${file}: ${(cause as Error).message}`, { hint: 'Pass --seed FILE with a readable .sql file.', cause });
  }
}
