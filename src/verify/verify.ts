/**
 * The integrity gate: may traffic come back? Runs the selected checks side by
 * side — the ones that query the database `jobs` at a time, each on a
 * connection from the gate's pool, while the live table scan they share runs
 * on its own — and returns a typed report. It never throws for a failing
 * check (that is `ok: false`), only when the gate could not run at all (bad
 * input: exit 2; unreachable server, timeout: exit 1).
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import type { Db } from '../db/connection.js';
import { describeConn, type ConnInfo } from '../db/conninfo.js';
import { DbrollbackError, isDbrollbackError } from '../errors.js';
import { formatTableRef, loadBaselineFile, tableKey, type Baseline } from './baseline.js';
import type { Check, CheckResult, HeadLookup, HeadSchemaLookup, SchemaExpectation, ToolVerifyLookup, UntouchedEvidence, VerifyContext } from './check.js';
import type { TableRef } from '../fingerprint/fingerprint.js';
import { Gate } from './gate.js';
import { afterFlushWindow, tableWrites, tablesMoved, type TableWrites } from '../db/table-writes.js';
import type { ProgressListener } from '../progress.js';
import type { LiveTable } from './compare.js';
import { liveTables } from './live-tables.js';
import { selectChecks } from './registry.js';

/** The database verify judges, and what the run knows about it (a RunContext is one). */
export interface VerifyTarget {
  readonly conn: ConnInfo;
  /** Base for relative paths (checks dir, baseline file). */
  readonly cwd: string;
  /** The configured checks directory (config checksDir). */
  readonly checksDir?: string | undefined;
  /** Where the migrations are: the default checks directory is verify/ beside them. */
  readonly migrationsDir?: string | undefined;
  /** The head as the migration tool records it (the run's adapter); absent: schema-head skips. */
  headLookup?(): Promise<HeadLookup>;
  /** The migration tool's own verification of what is applied (verify scripts); absent: tool-verify skips. */
  toolVerify?(): Promise<ToolVerifyLookup>;
  /** The schema recorded at `head` (the run's storage); absent: schema-round-trip skips outside an undo. */
  headSchemaRecord?(head: string | null): Promise<HeadSchemaLookup>;
}

export interface VerifyOptions {
  /** Run only these checks (ids; default all). */
  checks?: string[];
  /** Leave these out. */
  skipChecks?: string[];
  /** The migration head there must be (after an undo: its target). */
  expectHead?: string;
  /** The head, when the caller already read it (undo does); otherwise the migration tool is asked. */
  head?: string | null;
  /** A baseline already in hand (e.g. the manifest undo just wrote). */
  baseline?: Baseline;
  /** A JSON file: a backup manifest or {"tables": [...]}. */
  baselineFile?: string;
  /** Tables the rollback was expected to change: their differences are reported, not failed. */
  expectChanged?: TableRef[];
  /** What the schema must be after an undo (the schema-round-trip check; absent: it skips). */
  schemaExpectation?: SchemaExpectation;
  /** With a partial baseline: how the tables outside it were judged (undo compares write counters). */
  untouched?: UntouchedEvidence;
  /** Row counts and fingerprints of the live tables, when the caller measured them already (restore). */
  measuredTables?: LiveTable[];
  /** Directory of .sql checks (default: config checksDir, else verify/ beside the migrations directory). */
  checksDir?: string;
  /** CREATE EXTENSION amcheck when it is available but not installed. */
  installAmcheck?: boolean;
  /** Connections hashing tables at once, and checks querying the database at once (default 2). */
  jobs?: number;
  /** The whole gate's time limit in seconds (default: none). */
  timeoutSeconds?: number;
  /** Time limit of each user check query in seconds (default 60; never beyond the gate's). */
  statementTimeoutSeconds?: number;
  /** Progress lines. */
  onProgress?: ProgressListener;
  /** A connection to the same database to use first, reset after each use but left open (undo lends its lock session). */
  session?: Db;
}

export interface VerifyReport {
  /** True when no check failed: traffic may return. */
  ok: boolean;
  /** Every selected check, in registry order. */
  checks: CheckResult[];
  /** The database checked (no password). */
  database: string;
  /** Where the baseline came from, or null without one. */
  baseline: string | null;
  durationMs: number;
}

export const DEFAULT_JOBS = 2;
const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 60;

export async function verify(target: VerifyTarget, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const log = (text: string) => options.onProgress?.({ kind: 'message', text, verbose: true });
  // Everything the user gave is checked before the database is touched (bad input: exit 2).
  const selected = selectChecks(options.checks, options.skipChecks);
  const jobs = Math.max(1, Math.floor(options.jobs ?? DEFAULT_JOBS));
  const checksDir = await resolveChecksDir(target, options);
  const baseline = await resolveBaseline(target, options);
  const expectChanged = options.expectChanged ?? [];

  const gate = new Gate(target.conn, options.timeoutSeconds, options.session);
  const running = new Set<string>();
  try {
    // The first connection answers "can we reach it at all" (no: exit 1, not a failed check).
    const first = await gate.race(gate.acquire(), () => ['connect']);
    // A standalone verify against a baseline: which tables other sessions write while it runs (see liveWritesNote).
    const writesAtStart = baseline && !options.session && !options.measuredTables && !options.untouched ? await tableWrites(first) : null;
    await gate.release(first);
    let head: Promise<HeadLookup> | undefined;
    let toolVerified: Promise<ToolVerifyLookup> | undefined;
    let headSchema: Promise<HeadSchemaLookup> | undefined;
    const readHead = () => (head ??= lookupHead(target, options));
    const ctx: VerifyContext = {
      conn: target.conn,
      connections: gate,
      jobs,
      baseline,
      expectChanged,
      expectHead: options.expectHead,
      head: readHead,
      toolVerify: () => (toolVerified ??= target.toolVerify ? target.toolVerify() : Promise.resolve({ available: false, reason: 'no migration tool was given to verify with' })),
      checksDir,
      installAmcheck: options.installAmcheck ?? false,
      statementTimeoutMs: Math.min((options.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS) * 1000, gate.remainingMs() ?? Infinity),
      live: liveTables({
        connections: gate,
        conn: target.conn,
        jobs,
        hashes: baseline !== null && selected.some((c) => c.id === 'fingerprints') && baseline.tables.some((t) => t.hash !== undefined),
        expectChanged,
        ...(baseline?.partial ? { only: baseline.tables } : {}),
        ...(options.measuredTables ? { measured: options.measuredTables } : {}),
        // row-counts reads every table it compares anyway (with a baseline): enum-values takes its enum counts from that pass.
        enums: baseline !== null && selected.some((c) => c.id === 'row-counts') && selected.some((c) => c.id === 'enum-values'),
      }),
      schemaExpectation: options.schemaExpectation ?? null,
      headSchema: () => (headSchema ??= lookupHeadSchema(target, readHead)),
      untouched: options.untouched,
      log,
    };
    log(`verify: ${selected.length} checks on ${describeConn(target.conn)}${baseline ? ` against ${baseline.source}` : ''}`);
    const runOne = async (check: Check): Promise<CheckResult> => {
      running.add(check.id);
      try {
        const result = await runCheck(check, ctx, gate);
        log(`verify: ${result.status.padEnd(4)} ${check.id} (${result.durationMs} ms)`);
        return result;
      } finally {
        running.delete(check.id);
      }
    };
    const queue = selected.filter((c) => c.uses === 'connection');
    const byId = new Map<string, Promise<CheckResult>>();
    for (const check of selected) if (check.uses === 'context') byId.set(check.id, runOne(check));
    const workers = Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let check = queue.shift(); check; check = queue.shift()) {
        const result = runOne(check);
        byId.set(check.id, result);
        await result;
      }
    });
    await gate.race(Promise.all([...workers, ...byId.values()]), () => [...running]);
    const results = await Promise.all(selected.map((c) => byId.get(c.id)!));
    if (writesAtStart) await gate.race(liveWritesNote(gate, writesAtStart, results, expectChanged), () => ['write counters']);
    return {
      ok: results.every((r) => r.status !== 'fail'),
      checks: results,
      database: describeConn(target.conn),
      baseline: baseline?.source ?? null,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await gate.close();
  }
}

/** One check (on a connection of the pool when it queries); a check that throws fails (an unproven database is not a verified one). */
async function runCheck(check: Check, ctx: VerifyContext, gate: Gate): Promise<CheckResult> {
  const t0 = performance.now();
  try {
    const outcome = check.uses === 'context' ? await check.run(ctx) : await onPooled(gate, (db) => check.run(db, ctx));
    return { id: check.id, ...outcome, durationMs: Math.round(performance.now() - t0) };
  } catch (err) {
    // Losing the server mid-way means the gate could not run (exit 1), not that the data is bad.
    if (isDbrollbackError(err) && (err.code === 'CONNECTION_FAILED' || err.code === 'TIMEOUT')) throw err;
    const message = err instanceof Error ? err.message : String(err);
    return { id: check.id, status: 'fail', detail: `could not complete: ${message}`, durationMs: Math.round(performance.now() - t0) };
  }
}

async function onPooled<T>(gate: Gate, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await gate.acquire();
  try {
    return await fn(db);
  } finally {
    await gate.release(db);
  }
}

async function lookupHead(target: VerifyTarget, options: VerifyOptions): Promise<HeadLookup> {
  if (options.head !== undefined) return { configured: true, head: options.head, migrator: 'caller' };
  if (!target.headLookup) return { configured: false, reason: 'no migration tool was given to read the head from' };
  return target.headLookup();
}

/** The record at the head the migration tool names, or why there is none: the reason names what would make it run. */
async function lookupHeadSchema(target: VerifyTarget, readHead: () => Promise<HeadLookup>): Promise<HeadSchemaLookup> {
  if (!target.headSchemaRecord) return { found: false, reason: 'no schema records were given to compare with' };
  const lookup = await readHead();
  if (!lookup.configured) {
    return { found: false, reason: `the migration head is not known (${lookup.reason}); pass --migrations DIR (and --migrator TOOL) so the record taken at the head can be found` };
  }
  return target.headSchemaRecord(lookup.head);
}

async function resolveBaseline(target: VerifyTarget, options: VerifyOptions): Promise<Baseline | null> {
  if (options.baseline && options.baselineFile) {
    throw new DbrollbackError('USAGE', 'give one baseline, not --baseline and --baseline-file', { hint: 'Use --baseline BACKUP_ID|latest or --baseline-file FILE.' });
  }
  if (options.baseline) return options.baseline;
  if (options.baselineFile) return loadBaselineFile(options.baselineFile, target.cwd);
  return null;
}

/** --checks-dir, else the config's checksDir, else verify/ beside the migrations directory (or in the working directory). */
async function resolveChecksDir(target: VerifyTarget, options: VerifyOptions): Promise<{ dir: string; explicit: boolean }> {
  const explicit = options.checksDir !== undefined ? path.resolve(target.cwd, options.checksDir) : target.checksDir;
  if (explicit !== undefined) {
    const info = await stat(explicit).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new DbrollbackError('FILE_UNREADABLE', `the checks directory ${explicit} does not exist`, {
        hint: 'Pass --checks-dir DIR naming a directory of .sql check queries (or leave it out to use verify/ beside the migrations).',
      });
    }
    return { dir: explicit, explicit: true };
  }
  const base = target.migrationsDir !== undefined ? path.dirname(target.migrationsDir) : target.cwd;
  return { dir: path.join(base, 'verify'), explicit: false };
}

/**
 * Tables the application writes while verify compares them with a baseline differ for its rows, not a rollback's:
 * the failing comparisons say so, naming the tables other sessions wrote while verify ran (write counters) and the
 * flag that reports them instead (--expect-changed).
 */
async function liveWritesNote(gate: Gate, before: TableWrites, results: CheckResult[], expectChanged: TableRef[]): Promise<void> {
  const failing = results.filter((r) => r.status === 'fail' && (r.id === 'row-counts' || r.id === 'fingerprints'));
  if (failing.length === 0) return;
  await afterFlushWindow(before.at);
  const db = await gate.acquire();
  let after: TableWrites;
  try {
    after = await tableWrites(db);
  } finally {
    await gate.release(db);
  }
  const expected = new Set(expectChanged.map(tableKey));
  const moved = tablesMoved(before, after).filter((t) => !expected.has(tableKey(t)));
  if (moved.length === 0) return;
  const written = moved.map((t) => `${t.schema}.${t.table}`);
  // Named as --expect-changed reads them back (`"Sales.EU"."Order Line"`), the list in single quotes for the shell when it needs them.
  const names = moved.map(formatTableRef);
  const list = names.join(',');
  const flag = /^[\w.,$-]+$/.test(list) ? list : `'${list.replace(/'/g, `'\\''`)}'`;
  const note = `${names.join(', ')} ${written.length === 1 ? 'was' : 'were'} written by other sessions while verify ran: the application is writing, so ${written.length === 1 ? 'its' : 'their'} differences include its own rows; to report ${written.length === 1 ? 'it' : 'them'} instead of failing on ${written.length === 1 ? 'it' : 'them'}: --expect-changed ${flag}`;
  for (const r of failing) {
    r.problems = [...(r.problems ?? []), note];
    r.data = { ...r.data, writtenDuringVerify: written };
  }
}
