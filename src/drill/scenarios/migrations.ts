/**
 * The `migrations` drill: every migration up, one at a time, in an empty
 * database of the throwaway server, with a schema snapshot after each; then
 * back down one at a time, each down checked against the snapshot taken
 * before its up — and every table its up did not touch must keep its
 * fingerprint through the down; then up again, each checked against the
 * snapshot after its first up (up → down → up).
 *
 * A migration without a usable down (irreversible — declared, or a down that
 * only throws —, an empty down, or none written), or one irreversible by
 * nature (it added a value to an existing enum, which PostgreSQL cannot
 * drop), cannot be walked past: its down is reported skipped ("the way back
 * is restore"), and the downs below it are still rehearsed, in a fresh
 * database brought up to the migration before it.
 *
 * "Untouched" tables, whose rows must survive a down unchanged, are those
 * whose definition, rows and fingerprint the up left as they were and that
 * it wrote no row of (an UPDATE that changed no value still touched them).
 *
 * A tool without down migrations at all (Drizzle, Prisma) goes back by
 * restore, so that is what is rehearsed instead of each down
 * (restore-rehearsal.ts): a backup before each up, then on the way down the
 * one before each migration restored and verified, and the schema and every
 * table's rows compared with the state before that migration — and the
 * tool's own history must name the migration before it as the head.
 *
 * `--seed FILE` puts data in the way of the downs: it is loaded (in one
 * transaction) after the first up whose schema it fits, and again at the
 * same point on the way up again.
 */
import type { Db } from '../../db/connection.js';
import { connect, quoteQualified } from '../../db/connection.js';
import { withDatabase, type ConnInfo } from '../../db/conninfo.js';
import { MIGRATOR_CHOICES, toolOf } from '../../tools/registry.js';
import { DbrollbackError, isDbrollbackError } from '../../errors.js';
import { fingerprint } from '../../fingerprint/fingerprint.js';
import { hasUsableDown, type MigrationInfo, type MigratorAdapter } from '../../tools/contract.js';
import { downReason } from '../../tools/down-guard.js';
import { diffSchemas } from '../../db/schema/diff.js';
import { rowWrites } from '../../classify/writes.js';
import { list, relKey } from '../../sql/ast.js';
import { parsedSqlOf } from '../../tools/parsed-sql.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { describeDiff, diffLogical, LogicalIds, logicalSnapshot } from '../../db/schema/logical.js';
import { freshDatabase } from '../scratch-database.js';
import { RestoreRehearsal } from './restore-rehearsal.js';
import { DrillFinding, type DrillSteps } from '../steps.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './scenario.js';

export interface MigrationsDrillOptions {
  /** Opens the project's migration tool on a database (always one of the drill's throwaway server). */
  openMigrator: (conn: ConnInfo) => Promise<MigratorAdapter>;
  /** What to load after the first up it fits (`--seed FILE`): SQL, or a seed module the tool runs (Knex's). */
  seed?: DrillSeed;
  /** The database created for the drill on the throwaway server. */
  database?: string;
  /**
   * Rehearse every migration and report each failure (`--keep-going`): after a failed down the
   * walk goes on in a fresh database brought up to the migration below it; a failed up ends the
   * walk up there and the downs below it are still rehearsed. Default: stop at the first failure.
   */
  keepGoing?: boolean;
}

/** A `--seed FILE`: SQL, or a module for the tool's own seed runner (`exports.seed(knex)`), by its absolute path. */
export type DrillSeed = { name: string; sql: string } | { name: string; module: string };

type Fingerprints = Map<string, string>;

interface Walk {
  conn: ConnInfo;
  adapter: MigratorAdapter;
  db: Db;
  close(): Promise<void>;
}

export function migrationsScenario(options: MigrationsDrillOptions): Scenario {
  return {
    name: 'migrations',
    run: async (context, steps) => {
      try {
        return await runMigrationsDrill(options, context, steps);
      } catch (err) {
        // Stopped at the first failure with steps left: say how to rehearse the rest as well.
        const left = steps.unreached().length;
        if (!(err instanceof DrillFinding) || options.keepGoing || left === 0) throw err;
        throw new DrillFinding(`${err.message} (${left} later step${left === 1 ? '' : 's'} did not run: \`dbrollback drill migrations --keep-going\` rehearses every migration and reports each failure)`);
      }
    },
  };
}

async function runMigrationsDrill(options: MigrationsDrillOptions, context: ScenarioContext, steps: DrillSteps): Promise<ScenarioOutcome> {
  const server = await context.server();
  const database = options.database ?? 'dbrollback_drill_migrations';
  // `fresh`: a new empty database; else the one there (a restore just put it back).
  const open = async (fresh = true): Promise<Walk> => {
    const conn = fresh ? await freshDatabase(server.conn, database) : withDatabase(server.conn, database);
    const adapter = await options.openMigrator(conn);
    const db = await connect(conn).catch(async (err: unknown) => {
      await adapter.close();
      throw err;
    });
    return { conn, adapter, db, close: async () => void (await Promise.allSettled([adapter.close(), db.end()])) };
  };

  let walk = await open();
  // A tool without downs: its way back, a restore, is rehearsed instead of each down.
  const rehearsal = toolOf(walk.adapter.kind)?.hasDowns === false ? await RestoreRehearsal.open(walk.adapter.kind, context.log) : null;
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
    if (seed && 'module' in seed && !walk.adapter.runSeed) {
      throw new DbrollbackError('USAGE', `--seed ${seed.name} is code, and ${walk.adapter.kind} has no seed runner of its own to run it (Knex's seed files are the code seeds dbrollback runs)`, {
        hint: 'Pass --seed with a .sql file (e.g. the data of a seeded database: pg_dump --data-only --inserts).',
      });
    }
    const seedStep = seed ? `seed ${seed.name}` : '';
    const wayBack = (m: string) => (rehearsal ? `restore before ${m}` : `down ${m}`);
    steps.plan([...names.map((m) => `up ${m}`), ...(seed ? [seedStep] : []), ...[...names].reverse().map(wayBack), ...names.map((m) => `up again ${m}`)]);

    const ids = new LogicalIds();
    const snap = async (w: Walk): Promise<SchemaSnapshot> => schemaSnapshot(w.db, { exclude: excluded });
    const prints = async (w: Walk): Promise<Fingerprints> =>
      new Map((await fingerprint(w.db)).filter((t) => !isExcluded(t.schema, t.table)).map((t) => [`${t.schema}.${t.table}`, `${t.rows}:${t.hash}`]));

    // 1. Up, one at a time: the schema after each (S), the data right after the up (U) and after the seed (F).
    const S: SchemaSnapshot[] = [await snap(walk)];
    const F: Fingerprints[] = [await prints(walk)];
    const U: Fingerprints[] = [F[0]!];
    /** Per up, the tables it wrote rows of. */
    const W: Array<Set<string>> = [new Set()];
    const failures: string[] = [];
    let seedAt: number | null = null;
    let seedError = '';
    /** Per migration (by position), the backup taken right before its up (a tool without downs). */
    const before: string[] = [];
    // With --keep-going, a failed up ends the walk up: `top` is how far it got.
    let top = n;
    for (let i = 1; i <= n; i++) {
      if (rehearsal) before[i] = await rehearsal.backupBefore(walk.conn, names[i - 2] ?? null, names[i - 1]!);
      const since = await transactionNow(walk.db);
      try {
        await steps.run(`up ${names[i - 1]}`, () => up(walk, names[i - 1]!));
      } catch (err) {
        if (!options.keepGoing || !(err instanceof DrillFinding)) throw err;
        failures.push(`up ${names[i - 1]}`);
        top = i - 1;
        break;
      }
      W[i] = new Set([...(await tablesWrittenSince(walk.db, since, Object.keys(S[i - 1]!.relations))), ...(await dmlTargets(walk.adapter, names[i - 1]!))]);
      U[i] = await prints(walk);
      if (seed && seedAt === null) {
        const started = performance.now();
        const failed = await loadSeed(walk, seed);
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
    if (seed && seedAt === null && top === n) {
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
          const failed = await loadSeed(fresh, seed);
          if (failed !== null) throw new DrillFinding(`seed ${seed.name} failed after ${names[i - 1]} in the fresh database: ${failed}`);
        }
      }
      const diff = diffLogical(S[level]!, await snap(fresh), ids);
      if (!diff.identical) throw new DrillFinding(`the same ups gave another schema in a fresh database: ${describeDiff(diff)}`);
      return fresh;
    };

    // The walk up stopped early (--keep-going): the downs start from where it got, in a database built to there.
    if (top < n && top > 0) walk = await steps.run(`rebuild at ${names[top - 1]}`, () => rebuild(top), () => `a fresh database with ${top} migration(s) applied, to rehearse the downs below the failed up`);

    // 2. Down, one at a time, from the head.
    let level = top;
    let rehearsed = 0;
    const irreversible: string[] = [];
    const rebuildBelow = async (below: number, after: string, why: string): Promise<void> => {
      walk = await steps.run(`rebuild at ${names[below - 1]}`, () => rebuild(below), () => `a fresh database with ${below} migration(s) applied, to rehearse the downs below ${after} (${why})`);
    };
    let restored = 0;
    let restoreMs = 0;
    while (level >= 1) {
      const migration = migrations[level - 1]!;
      if (rehearsal) {
        const i = level;
        await steps.check(`restore before ${migration.name}`, async () => {
          await walk.close();
          const took = await rehearsal.restoreInto(server.conn, database, before[i]!);
          restoreMs += took;
          walk = await open(false);
          const diff = diffLogical(S[i - 1]!, await snap(walk), ids);
          const now = await prints(walk);
          const changed = [...new Set([...F[i - 1]!.keys(), ...now.keys()])].filter((t) => F[i - 1]!.get(t) !== now.get(t));
          const head = (await walk.adapter.status()).head;
          const expected = names[i - 2] ?? null;
          const problems: string[] = [];
          if (!diff.identical) problems.push(`the schema differs from before ${migration.name}: ${describeDiff(diff)}`);
          if (changed.length > 0) problems.push(`rows differ from before ${migration.name} in ${changed.map((t) => `${t} (${rowsOf(F[i - 1]!.get(t))} → ${rowsOf(now.get(t))} rows)`).join(', ')}`);
          if (head !== expected) problems.push(`the ${walk.adapter.kind} history's head is ${head ?? '(none)'} after the restore, not ${expected ?? '(none)'}`);
          return problems.length > 0
            ? { ok: false, detail: problems.join('; ') }
            : { ok: true, detail: `backup ${before[i]} restored and verified in ${(took / 1000).toFixed(1)} s: schema and all ${now.size} table(s) equal the state before ${migration.name}; head ${expected ?? '(none)'}` };
        });
        restored += 1;
        level -= 1;
        continue;
      }
      const noWayBack = !hasUsableDown(migration.down) ? downReason(migration) : irreversibleByNature(S[level - 1]!, S[level]!);
      if (noWayBack !== null) {
        irreversible.push(migration.name);
        steps.skip(`down ${migration.name}`, /the way back is a restore/.test(noWayBack) ? noWayBack : `${noWayBack}: the way back is restore`);
        level -= 1;
        if (level === 0) break;
        await rebuildBelow(level, migration.name, 'it has no way back');
        continue;
      }
      const i = level;
      try {
        await checkDown(i, migration);
      } catch (err) {
        if (!options.keepGoing || !(err instanceof DrillFinding)) throw err;
        failures.push(`down ${migration.name}`);
        level -= 1;
        if (level === 0) break;
        await rebuildBelow(level, migration.name, 'its down failed');
        continue;
      }
      rehearsed += 1;
      level -= 1;
    }

    async function checkDown(i: number, migration: MigrationInfo): Promise<void> {
      await steps.check(`down ${migration.name}`, async () => {
        const before = await prints(walk);
        await down(walk, migration.name);
        const diff = diffLogical(S[i - 1]!, await snap(walk), ids);
        const after = await prints(walk);
        const untouched = untouchedTables(S[i - 1]!, S[i]!, F[i - 1]!, U[i]!, ids).filter((t) => !W[i]!.has(t));
        const changed = untouched.filter((t) => before.get(t) !== after.get(t));
        const problems: string[] = [];
        if (!diff.identical) problems.push(`the schema differs from before ${migration.name}: ${describeDiff(diff)}`);
        if (changed.length > 0) problems.push(`tables ${migration.name} did not touch changed: ${changed.map((t) => `${t} (${rowsOf(before.get(t))} → ${rowsOf(after.get(t))} rows)`).join(', ')}`);
        return problems.length > 0
          ? { ok: false, detail: problems.join('; ') }
          : { ok: true, detail: `schema equals the snapshot before it; ${untouched.length} untouched table(s) kept their fingerprints` };
      });
    }

    // 3. Up again, from empty: each must give the schema its first up gave.
    if (level !== 0) walk = await steps.run('rebuild empty', () => rebuild(0), () => 'a fresh empty database for the walk up again');
    for (let i = 1; i <= top; i++) {
      const name = names[i - 1]!;
      try {
        await upAgain(i, name);
      } catch (err) {
        if (!options.keepGoing || !(err instanceof DrillFinding)) throw err;
        failures.push(`up again ${name}`);
        // Later ups build on this one: the walk up again ends here.
        break;
      }
    }

    async function upAgain(i: number, name: string): Promise<void> {
      await steps.check(`up again ${name}`, async () => {
        await up(walk, name);
        if (seedAfter === i && seed) {
          const failed = await loadSeed(walk, seed);
          if (failed !== null) throw new DrillFinding(`seed ${seed.name} failed after ${name} on the way up again: ${failed}`);
        }
        const diff = diffLogical(S[i]!, await snap(walk), ids);
        return diff.identical ? { ok: true, detail: 'schema equals the snapshot after its first up' } : { ok: false, detail: `the schema differs from after its first up: ${describeDiff(diff)}` };
      });
    }

    const skipped = irreversible.length > 0 ? `; ${irreversible.length} with no way back but a restore (${irreversible.join(', ')})` : '';
    const failed = failures.length > 0 ? `; ${failures.length} failure(s): ${failures.join(', ')}` : '';
    const walked = rehearsal
      ? `${n} migrations up → restore before each → up: the ${walk.adapter.kind} way back (a restore: it has no downs) rehearsed ${restored} time(s) and matched, ${(restoreMs / 1000).toFixed(1)} s of restores`
      : `${n} migrations up → down → up: ${rehearsed} down(s) rehearsed and matched${skipped}`;
    return {
      detail: `${walked}${failed}${seed && seedAfter !== null ? `; seed loaded after ${names[seedAfter - 1]}` : ''}`,
      facts: {
        migrator: walk.adapter.kind,
        migrations: n,
        downsRehearsed: rehearsed,
        withoutDown: irreversible,
        failures,
        restoresRehearsed: restored,
        restoreMs: Math.round(restoreMs),
        seedLoadedAfter: seed && seedAfter !== null ? names[seedAfter - 1] : null,
      },
    };
  } finally {
    await walk.close();
    await rehearsal?.close();
  }
}

/**
 * A change no down can take back whatever it is written to do: a value added
 * to an enum that existed before the up (PostgreSQL has no DROP VALUE). Not
 * so where the up rebuilt the type — its columns moved onto a new type of
 * the same name, their tables rewritten (TypeORM's generated enum change):
 * a down can rebuild it without the value, and is rehearsed like any other.
 */
function irreversibleByNature(before: SchemaSnapshot, after: SchemaSnapshot): string | null {
  const added = diffSchemas(before, after)
    .changes.filter((c) => c.kind === 'enum' && c.change === 'altered' && /values added/.test(c.detail))
    .filter((c) => !typeRebuilt(c.object, before, after));
  if (added.length === 0) return null;
  return `irreversible by nature: ${added.map((c) => `${c.detail.replace('values added: ', 'value ')} added to enum ${c.object}`).join('; ')} (PostgreSQL cannot drop an enum value)`;
}

/** A table with a column of the enum `key` (`schema.name`) was rewritten: its column moved onto a new type of that name. */
function typeRebuilt(key: string, before: SchemaSnapshot, after: SchemaSnapshot): boolean {
  const bare = key.startsWith('public.') ? key.slice('public.'.length) : key;
  const ofType = (type: string): boolean => {
    const t = type.replace(/\[\]$/, '').replace(/"/g, '');
    return t === key || t === bare;
  };
  return Object.entries(after.relations).some(([name, rel]) => {
    const was = before.relations[name];
    return was !== undefined && was.relfilenode !== rel.relfilenode && Object.values(rel.columns).some((c) => ofType(c.type));
  });
}

/**
 * The tables an up's statements write rows of (UPDATE, INSERT, MERGE, DELETE,
 * TRUNCATE), where its SQL can be read without running it: touched even when
 * no row matched. Code whose SQL is only known by running it adds nothing here.
 */
async function dmlTargets(adapter: MigratorAdapter, name: string): Promise<string[]> {
  const statements = (await parsedSqlOf(adapter, name, 'up')) ?? [];
  return statements.flatMap((stmt) => {
    const writes = rowWrites(stmt);
    if (writes) return [writes.table];
    if (stmt.kind === 'DeleteStmt') return [relKey(stmt.node.relation)].filter((t): t is string => t !== undefined);
    if (stmt.kind === 'TruncateStmt') return list(stmt.node.relations).map((r) => relKey(r)).filter((t): t is string => t !== undefined);
    return [];
  });
}

/** This moment as a transaction id: rows written after it carry a newer xmin. */
async function transactionNow(db: Db): Promise<string> {
  return (await db.query<{ x: string }>('SELECT (txid_current() % 4294967296)::text AS x')).rows[0]!.x;
}

/**
 * The tables of `candidates` with a row written (inserted or updated) after
 * `since`: an UPDATE that set every value to what it was still wrote new row
 * versions, so its table was touched. Deleted rows show in the fingerprint.
 */
async function tablesWrittenSince(db: Db, since: string, candidates: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const tables = (await db.query<{ key: string; schema: string; name: string }>(
    "SELECT n.nspname || '.' || c.relname AS key, n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = ANY($1)",
    [candidates],
  )).rows;
  for (const t of tables) {
    // age() compares transaction ids the way PostgreSQL does, across wraparound.
    const written = await db.query<{ w: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteQualified(t.schema, t.name)} WHERE age(xmin) < age($1::text::xid)) AS w`, [since]);
    if (written.rows[0]!.w) out.add(t.key);
  }
  return out;
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
  // A migration file PostgreSQL cannot parse is the migration failing too.
  if (!isDbrollbackError(err) || !(err.code === 'MIGRATION_FAILED' || err.code === 'IRREVERSIBLE' || err.code === 'SQL_SYNTAX')) return err;
  // PostgreSQL's error, when that is what failed: the tool's message around it is written for the production run
  // (its history's state, the command that marks it clean against $DATABASE_URL), not for a throwaway database.
  const pgMessage = postgresMessageOf(err);
  if (pgMessage === null) return new DrillFinding(`${what}: ${err.message}`);
  const invalid = Array.isArray(err.details?.invalidIndexes) ? (err.details.invalidIndexes as string[]) : [];
  return new DrillFinding(
    `${pgMessage}${err.pg?.detail ? ` (${err.pg.detail})` : ''}` +
      (invalid.length > 0 ? `; it left ${invalid.length === 1 ? 'an INVALID index' : 'INVALID indexes'} behind: ${invalid.join(', ')} (a failed CONCURRENTLY build is not rolled back, and IF NOT EXISTS would skip it on a rerun)` : ''),
  );
}

/** The message of the PostgreSQL error at the root of `err` (node-postgres' DatabaseError carries a severity), if any. */
function postgresMessageOf(err: Error): string | null {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    if (typeof (cause as { severity?: unknown }).severity === 'string') return cause.message;
  }
  return null;
}

/** Run the seed in one transaction (SQL, or the tool's seed runner); null when it worked, else the message (nothing kept). */
async function loadSeed(walk: Walk, seed: DrillSeed): Promise<string | null> {
  const db = walk.db;
  // A failed attempt is rolled back, but not the values it drew from sequences (nextval is never
  // undone): they are put back, so a seed naming its rows by id (account_id = 1) finds them after
  // the up it fits as one load would have made them.
  const { rows: sequences } = await db.query<{ oid: string; last: string | null; start: string }>(
    'SELECT seqrelid::text AS oid, pg_sequence_last_value(seqrelid)::text AS last, seqstart::text AS start FROM pg_sequence',
  );
  try {
    if ('module' in seed) {
      await walk.adapter.runSeed!(seed.module);
    } else {
      await db.query('BEGIN');
      await db.query(seed.sql);
      await db.query('COMMIT');
    }
    return null;
  } catch (err) {
    if (!('module' in seed)) await db.query('ROLLBACK').catch(() => undefined);
    await db.query(
      'SELECT setval(t.oid::regclass, coalesce(t.last, t.start)::bigint, t.last IS NOT NULL) FROM unnest($1::oid[], $2::text[], $3::text[]) AS t(oid, last, start)',
      [sequences.map((q) => q.oid), sequences.map((q) => q.last), sequences.map((q) => q.start)],
    );
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

/** Read a `--seed FILE` (bad input: exit 2, nothing started): SQL, or a code seed (a Knex seed file) by its path. */
export async function readSeedFile(file: string): Promise<DrillSeed> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  try {
    const sql = await readFile(file, 'utf8');
    // What `knex seed:make` writes (.js, or .ts with -x ts): run by the tool, not sent as SQL.
    if (/\.(c|m)?(js|ts)$/i.test(file)) return { name: path.basename(file), module: path.resolve(file) };
    return { name: path.basename(file), sql };
  } catch (cause) {
    throw new DbrollbackError('FILE_UNREADABLE', `cannot read the seed file ${file}: ${(cause as Error).message}`, { hint: 'Pass --seed FILE with a readable .sql file (or a knex seed file).', cause });
  }
}
