/**
 * `dbrollback undo`: the runbook's "roll back the migration" section as code.
 *
 *   lock → plan → refuse a restore-type plan → refuse data loss unless accepted
 *   → confirm → pause traffic → backup (verified) → down migrations → verify
 *   → resume traffic (only after verify passes)
 *
 * It returns a typed report (each step: success / failed / skipped / not-run)
 * instead of throwing halfway; `report.error` says why a run stopped, with
 * the exit code the CLI uses. Every run that got past its input checks leaves
 * an audit record in the storage.
 */
import { AuditRun, type StepResult } from '../../audit/audit-trail.js';
import { Checklist, isStopError } from '../../audit/checklist.js';
import { faultPoint } from '../../audit/fault-point.js';
import { describeRunFacts, unfinishedRuns, type Journal, type UnfinishedRun } from '../../audit/journal.js';
import { asRunError, openJournal, outcomeOf, recordRun } from '../../audit/runbook.js';
import type { ProgressListener } from '../../progress.js';
import type { Storage } from '../../storage/contract.js';
import type { Db } from '../../db/connection.js';
import { describeConn } from '../../db/conninfo.js';
import { acquireLock, type HeldLock } from '../../db/lock.js';
import { DbrollbackError, EXIT, isDbrollbackError } from '../../errors.js';
import { baselineFromManifest, type Baseline } from '../../verify/baseline.js';
import { fingerprint, type TableRef } from '../../fingerprint/fingerprint.js';
import { verify, type VerifyReport } from '../../verify/verify.js';
import { verifyFailedError, verifySummary } from '../../verify/report.js';
import { plural } from '../../verify/compare.js';
import { downReason } from '../../tools/down-guard.js';
import type { DownTarget, MigratorAdapter } from '../../tools/contract.js';
import { diffSchemas } from '../../db/schema/diff.js';
import { schemaSnapshot, type SchemaSnapshot } from '../../db/schema/snapshot.js';
import { initParser, parseSql } from '../../sql/parser.js';
import { plan as makePlan, type Plan } from '../plan/plan.js';
import { blockerMessage } from '../plan/row-blockers.js';
import { ADDITIVE_REASON } from '../plan/decide.js';
import { reapplyNote } from '../backup-at-head.js';
import { blockingSessions } from '../../db/blockers.js';
import { withLockRetries } from '../../db/lock-wait.js';
import type { RunContext } from '../../run/run-context.js';
import { sampleTraffic, tablesWrittenSince, writtenBeforeDowns } from './live-traffic.js';
import { knownRelations, tablesChangedBySchema, tablesNamedBySql, toTableRefs } from './expected-changes.js';
import { runHook } from './hooks.js';
import { differenceKey } from '../../db/schema/round-trip.js';
import { toolExclusions } from '../round-trip/exclusions.js';
import type { SchemaExpectation } from '../../verify/check.js';
import { recordSchemaLeft } from './schema-left.js';
import { takeSafetyBackup, type SafetyBackup } from './safety-backup.js';
import { untouchedSince, writeState } from './untouched.js';
import type { UndoBackupMode } from '../../run/options.js';

export interface UndoOptions {
  target: DownTarget;
  /** Print the plan and the downs' SQL; touch nothing (no lock, no backup, no audit record). */
  dryRun?: boolean;
  /** Allow downs that destroy live data (plan.atRisk.rows > 0, or unknown). */
  acceptDataLoss?: boolean;
  /** Allow downs whose schema round trip differs (or cannot be proven): the differences are reported by verify as accepted. */
  acceptSchemaDifference?: boolean;
  /** Skip the backup — only when the user says so explicitly; recorded in the audit trail (same as backup: 'never'). */
  noBackup?: boolean;
  /** What to back up before the downs (default: the run's configured undoBackup, else auto). */
  backup?: UndoBackupMode;
  /** Default: the run's configured pauseTraffic / resumeTraffic (flag > config file). */
  pauseTraffic?: string;
  resumeTraffic?: string;
  /** Confirmed beforehand (--yes): no question asked. */
  yes?: boolean;
  /** lock_timeout for each down statement, ms (default: the run's configured lockTimeoutMs). */
  lockTimeoutMs?: number;
  /** Ask the person at the terminal; undefined = nobody to ask (then `yes` is required). */
  confirm?: (plan: Plan) => Promise<boolean>;
  /** The command line, for the audit record (secrets are removed). */
  commandLine?: string[];
  onStep?: (line: string) => void;
  onProgress?: ProgressListener;
  /** Verify options passed through (jobs, checks dir, timeout). */
  verifyJobs?: number;
  verifyTimeoutSeconds?: number;
}

export type UndoOutcome = 'success' | 'dry-run' | 'refused' | 'failed' | 'verify-failed' | 'interrupted';

export interface UndoReport {
  ok: boolean;
  outcome: UndoOutcome;
  plan: Plan | null;
  backupId: string | null;
  /** Migrations undone, newest first. */
  undone: string[];
  /** Selected migrations still applied at the end. */
  notUndone: string[];
  verify: VerifyReport | null;
  steps: StepResult[];
  /** Storage key of the audit record, when one was written. */
  auditKey: string | null;
  /** Why the run stopped (refusal, failure, verify failure, a signal); null when ok. */
  error: DbrollbackError | null;
  /** Earlier runs on this database that were interrupted (their journal has no audit record). */
  interruptedRuns: UnfinishedRun[];
  /** What was backed up before the downs, and why; null when the run stopped before that step. */
  safety: SafetySummary | null;
  /** A dry run: the safety rule the real run would refuse on (exit 4), null when it would go ahead. */
  wouldRefuse?: DbrollbackError | null;
}

export const UNDO_STEPS = ['lock', 'plan', 'safety', 'confirm', 'pause-traffic', 'backup', 'down', 'verify', 'resume-traffic'] as const;

export async function undo(run: RunContext, options: UndoOptions): Promise<UndoReport> {
  const log = options.onStep ?? (() => undefined);
  const state: RunState = { plan: null, backupId: null, undone: [], notUndone: [], verify: null };
  const checklist = new Checklist(UNDO_STEPS, log, { signal: run.signal, facts: () => journalFacts(state) });
  const audit = new AuditRun('undo', describeConn(run.conn), options.commandLine);
  const hooks = { pauseTraffic: options.pauseTraffic ?? run.config.pauseTraffic, resumeTraffic: options.resumeTraffic ?? run.config.resumeTraffic };
  // One connection for the lock and every read before the downs. It starts
  // opening now, while the input is checked; bad input is still what is reported.
  const session = run.session;
  session.open();
  // Bad input fails here, before anything is touched: storage URL, migrations, target.
  const storage: Storage | null = options.dryRun ? null : run.storage;
  const adapter = await run.adapter();

  if (options.dryRun) return dryRun(run, adapter, { ...options, ...hooks }, checklist, state);

  let lockDb: Db | undefined;
  let lock: HeldLock | undefined;
  let journal: Journal | undefined;
  let interruptedRuns: UnfinishedRun[] = [];
  let error: DbrollbackError | null = null;
  let released: Promise<void> = Promise.resolve();
  try {
    await storage!.check();
    // One dbrollback per database, and never while the migration tool runs.
    // The parser's WASM loads while the lock is taken (the plan needs it).
    void initParser().catch(() => undefined);
    lockDb = await session.db();
    lock = await checklist.run('lock', () => acquireLock(lockDb!, adapter.toolLocks), () => 'dbrollback advisory lock held');
    // An earlier run that was killed is said before anything is planned: its journal tells how far it got.
    interruptedRuns = await interruptedOn(storage!, describeConn(run.conn), log);
    // The downs' own connection opens while the plan is made.
    session.prepareSpare();
    const plan = await checklist.run('plan', () => makePlan(run, { target: options.target, ...hooks }), (p) => `type ${p.type}, ${p.migrations.length} migration(s)`);
    state.plan = plan;
    state.notUndone = plan.migrations.map((m) => m.name);
    if (plan.migrations.length === 0) throw nothingToUndo(plan);
    // The input is good: from here on the run is journaled in the storage as it goes.
    journal = openJournal(storage!, audit, 'undo', describeConn(run.conn), options.commandLine ?? [], UNDO_STEPS);
    checklist.attach(journal);
    await checklist.run('safety', async () => assertSafe(plan, options), () => safetyDetail(plan, options));
    await checklist.run('confirm', () => confirmRun(plan, options), (how) => how);
    if (hooks.pauseTraffic) {
      await checklist.run('pause-traffic', () => runHook('pause-traffic', hooks.pauseTraffic!, hookContext(run, state, log)));
      state.paused = true;
    } else checklist.skip('pause-traffic', 'no --pause-traffic command given');
    // Write counters read before the backup, whose snapshot verify compares with: what other sessions write from here
    // on is theirs (excused without a pause; with one, named if verify fails).
    const traffic = await sampleTraffic(lockDb, run.conn.applicationName);
    // The run is in the journal, confirmed (and traffic paused, if it was), before the backup starts: a run killed
    // during a long backup is found as interrupted at that step, never missing from the history.
    await journal.flush();
    // Nothing destructive runs before a backup whose upload was read back and checked
    // (how much is backed up: --backup auto|tables|full|never; see safety-backup.ts).
    const mode: UndoBackupMode = options.noBackup ? 'never' : (options.backup ?? run.config.undoBackup);
    const safety = mode === 'never'
      ? (log('WARNING: no backup is taken before the downs (--backup never / --no-backup): if they go wrong, only an older backup or the WAL archive can bring the data back'),
        checklist.skip('backup', `skipped: ${options.noBackup ? '--no-backup' : '--backup never'} was given explicitly`),
        { mode, taken: 'none' as const, reason: `${options.noBackup ? '--no-backup' : '--backup never'} was given explicitly: no backup`, backup: null, restorePoint: null, tables: [], covered: [] })
      : await checklist.run('backup', () => takeSafetyBackup(run, {
          mode,
          plan,
          db: lockDb!,
          runId: audit.id,
          onStep: log,
          onProgress: options.onProgress,
          // Known to the journal entry of this step: the way back.
          onBackup: (id) => (state.backupId = id),
        }), backupDetail);
    state.safety = safety;
    state.backupId = safety.backup?.manifest.id ?? null;
    recordSafetyInPlan(plan, safety);
    // The backup's id must be in the journal before anything else happens: it is the way back.
    await journal.flush();
    await faultPoint('undo:after-backup', run.signal);
    // The baseline verify compares against: the backup's own fingerprints, or fresh ones of what the backup would have covered.
    const baseline: Baseline = safety.backup
      ? baselineFromManifest(safety.backup.manifest)
      : safety.taken === 'restore-point'
        ? { source: 'fingerprints of the at-risk tables taken before the downs', backupId: null, migrationHead: plan.head, partial: true, tables: await fingerprint(lockDb, safety.covered) }
        : { source: 'fingerprints taken before the downs', backupId: null, migrationHead: plan.head, tables: await fingerprint(lockDb, undefined, { jobs: options.verifyJobs ?? 1, conn: run.conn }) };
    const before = await schemaSnapshot(lockDb, { exclude: toolExclusions(adapter) });
    // What was written since the traffic sample, before any down ran, is the application's: traffic is live.
    await writtenBeforeDowns(lockDb, traffic);
    // A partial baseline leaves the other tables to their write counters, read just before the downs and after.
    const writesBefore = baseline.partial ? await writeState(lockDb) : null;
    // What the journal says must be stored before the database changes.
    await journal.flush();
    const lockTimeoutMs = options.lockTimeoutMs ?? run.config.lockTimeoutMs;
    // Downs wait for locks only under lock_timeout, retried a few times; the shared session watches who is in the way.
    state.downsStarted = true;
    const down = await checklist.run('down', () => withLockRetries(() => runDowns(adapter, options.target, state, log, { lockTimeoutMs, signal: run.signal }), {
      lockTimeoutMs,
      what: 'the down migrations',
      blockers: () => blockingSessions(lockDb!, run.conn.applicationName),
      unchanged: () => state.undone.length === 0,
      onRetry: log,
    }), (r) => `undone: ${r.undone.join(', ')}`);
    const downsEndedAt = Date.now();
    state.undone = down.undone;
    state.notUndone = [];
    const expectChanged = await expectedChanges(lockDb, before, plan, adapter);
    const untouched = writesBefore ? await untouchedSince(lockDb, writesBefore, baseline.tables, downsEndedAt) : undefined;
    const { sessions, tables: written } = await tablesWrittenSince(lockDb, traffic, run.conn.applicationName);
    const meanwhile = written.filter((t) => !expectChanged.some((e) => e.schema === t.schema && e.table === t.table));
    if (!hooks.pauseTraffic) {
      // Named: the tables the downs were not expected to change (the others are reported by verify anyway).
      if (meanwhile.length > 0) log(`traffic was not paused (${sessions > 0 ? `${sessions} other session(s)` : 'writes seen before the downs began'}): ${meanwhile.map((t) => `${t.schema}.${t.table}`).join(', ')} written meanwhile; verify reports them instead of failing on them`);
      expectChanged.push(...written);
    }
    await faultPoint('undo:before-verify', run.signal);
    const report = await checklist.run(
      'verify',
      () => verify(run, {
        expectHead: plan.targetHead ?? undefined,
        // The head as the tool's history reads right after the downs (saves loading the migrations again).
        head: down.headAfter,
        baseline,
        expectChanged,
        ...schemaExpectation(plan, before),
        ...(untouched ? { untouched } : {}),
        // Its catalog caches are warm: cheaper than a new connection's first queries.
        session: lockDb,
        jobs: options.verifyJobs,
        timeoutSeconds: options.verifyTimeoutSeconds,
        onProgress: (e) => e.kind === 'message' && log(e.text),
      }),
      (r) => (r.ok ? 'all checks passed' : `failed: ${r.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ')}`),
    );
    state.verify = report;
    if (!report.ok) {
      checklist.fail('verify', `failed: ${report.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ')}`);
      // Traffic stays paused: resume only ever follows a passing verify.
      throw verifyFailed(report, safety, hooks.pauseTraffic ? meanwhile : []);
    }
    // The schema the undo left, where a later verify would otherwise compare with another (accepted differences).
    const left = await recordSchemaLeft(lockDb, storage!, { expect: plan.roundTrip?.expect, report, database: run.conn.database, runId: audit.id });
    state.schemaRecord = left.key;
    if (left.note) log(left.note);
    await faultPoint('undo:before-resume', run.signal);
    if (hooks.resumeTraffic) await checklist.run('resume-traffic', () => runHook('resume-traffic', hooks.resumeTraffic!, hookContext(run, state, log)));
    else checklist.skip('resume-traffic', 'no --resume-traffic command given');
  } catch (err) {
    error = asDbrollbackError(err, state);
    // Traffic paused by the hook and the run failed: it stays paused (resume only ever follows a passing verify), and the message says so.
    if (state.paused) error = afterPausedFailure(error, state, hooks.resumeTraffic !== undefined);
  } finally {
    // Released while the audit record is written.
    released = (async () => {
      await lock?.release();
      await session.end();
    })();
  }

  const steps = checklist.finish();
  const auditKey = await recordRun(audit, storage, steps, error, withExtra(auditFacts(options, state), { interruptedRuns: interruptedRuns.map((r) => r.runId) }), log, journal);
  await released;
  return { ok: error === null, outcome: outcomeOf(error), plan: state.plan, backupId: state.backupId, undone: state.undone, notUndone: state.notUndone, verify: state.verify, steps, auditKey, error, interruptedRuns, safety: state.safety ? summarize(state.safety) : null };
}

interface RunState {
  plan: Plan | null;
  /** The pause-traffic hook ran and succeeded. */
  paused?: boolean;
  /** The down step began (a down may have changed the database). */
  downsStarted?: boolean;
  backupId: string | null;
  safety?: SafetyBackup;
  undone: string[];
  notUndone: string[];
  verify: VerifyReport | null;
  /** The record of the schema the undo left (schema-left.ts), when one was written. */
  schemaRecord?: string | null;
}

async function dryRun(run: RunContext, adapter: MigratorAdapter, options: UndoOptions, checklist: Checklist, state: RunState): Promise<UndoReport> {
  let error: DbrollbackError | null = null;
  let wouldRefuse: DbrollbackError | null = null;
  try {
    state.plan = await checklist.run('plan', () => makePlan(run, { target: options.target, adapter, pauseTraffic: options.pauseTraffic, resumeTraffic: options.resumeTraffic }));
    state.notUndone = state.plan.migrations.map((m) => m.name);
    // The real run's safety rules, so the dry run says when it would be refused before anyone runs it.
    try {
      assertSafe(state.plan, options);
    } catch (err) {
      if (!isDbrollbackError(err)) throw err;
      wouldRefuse = err;
    }
  } catch (err) {
    error = asDbrollbackError(err, state);
  } finally {
    await run.session.end();
  }
  const steps = checklist.finish().map((s) => (s.status === 'not-run' ? { ...s, detail: 'dry run' } : s));
  return { ok: error === null, outcome: error ? 'failed' : 'dry-run', plan: state.plan, backupId: null, undone: [], notUndone: state.notUndone, verify: null, steps, auditKey: null, error, interruptedRuns: [], safety: null, wouldRefuse };
}

/** What the verify gate's schema-round-trip check compares with, when the plan proved the round trip one way or the other. */
function schemaExpectation(plan: Plan, before: SchemaSnapshot): { schemaExpectation?: SchemaExpectation } {
  const expect = plan.roundTrip?.expect;
  if (!expect) return {};
  const accepted = (plan.roundTrip?.differences ?? []).map((d) => ({ key: differenceKey(d), message: d.message }));
  return { schemaExpectation: { expect: { ...expect, before }, accepted } };
}

/** Refusals: a plan that needs a restore, and downs that destroy live data without --accept-data-loss. */
function assertSafe(plan: Plan, options: UndoOptions): void {
  if (!plan.toolHasDowns) {
    // Nothing to weigh: the tool has no downs, so a restore is the only way the schema goes back — the plan's, or,
    // where the schema may stay (every migration additive), the one named for a schema that must go anyway.
    const hint = plan.type === 'restore' ? plan.recommendation : `The schema may stay (see \`dbrollback plan\`): roll back the application only; or ${restoreBefore(plan, plan.migrations.at(-1)?.name ?? 'NAME')}.`;
    throw new DbrollbackError('IRREVERSIBLE', `refusing to undo: ${plan.reasons.filter((r) => r !== ADDITIVE_REASON).join('; ')}`, {
      hint: `${hint} Nothing was changed.`,
      details: { reasons: plan.reasons, restoreFrom: plan.restoreFrom, touchedTables: plan.touchedTables, wayBack: 'restore' },
    });
  }
  if (plan.type === 'restore') {
    const oldest = plan.migrations.at(-1)?.name ?? 'NAME';
    throw new DbrollbackError('IRREVERSIBLE', `refusing to undo: down migrations cannot bring this database back (${plan.reasons.join('; ')})`, {
      // With a table route, the plan's recommendation names it first (it keeps later writes to the other tables).
      hint: plan.restoreRoutes.some((r) => r.route === 'tables')
        ? `${plan.recommendation} Nothing was changed.`
        : plan.restoreFrom
        ? `Restore instead: dbrollback restore --backup ${plan.restoreFrom.backupId}${plan.pitrUnreachable === null ? `, or from the WAL archive: dbrollback restore --before-migration ${oldest} --data-dir DIR` : ` (no point-in-time restore can reach the moment before ${oldest}: ${plan.pitrUnreachable})`}. Nothing was changed.`
        : plan.pitrUnreachable === null
        ? `Restore instead, from the WAL archive: dbrollback restore --before-migration ${oldest} --data-dir DIR. Nothing was changed.`
        : `Nothing was changed. No backup at the head before ${oldest} was found, and no point-in-time restore can reach that moment (${plan.pitrUnreachable}): a restore from an older backup (dbrollback backups) is what is left, or keep the schema and roll back the application.`,
      details: { reasons: plan.reasons, restoreFrom: plan.restoreFrom, touchedTables: plan.touchedTables, restoreRoutes: plan.restoreRoutes },
    });
  }
  // A down that is missing, declared irreversible or does nothing (an additive migration's plan is not a restore):
  // the adapters refuse it at the down step; refused here, before any backup, for that reason and not as unknown data loss.
  const blocked = plan.migrations.filter((m) => m.down !== 'yes' && m.down !== 'inferred');
  if (blocked.length > 0) {
    // `undo --to X` keeps X applied: the newest blocked one names exactly the migrations after it, when there are any.
    const newest = blocked[0]!;
    const ways = [
      ...(plan.migrations.indexOf(newest) > 0 ? [`undo only the migrations after it: dbrollback undo --to ${newest.name}`] : []),
      restoreBefore(plan, blocked.at(-1)!.name),
    ];
    throw new DbrollbackError('IRREVERSIBLE', `refusing to undo: ${blocked.length === 1 ? 'this migration has' : 'these migrations have'} no usable down migration: ${blocked.map((m) => `${m.name} (${downReason({ down: m.down, downNote: m.downNote, path: '' })})`).join('; ')}`, {
      hint: `Nothing was changed. ${plan.type === 'schema-stays' ? 'The schema may stay (see `dbrollback plan`): roll back the application only; or ' : 'Instead, '}${ways.join(', or ')}.`,
      details: { migrations: blocked.map((m) => ({ name: m.name, down: m.down })) },
    });
  }
  assertDownsCanRun(plan);
  assertRoundTrip(plan, options);
  if (options.acceptDataLoss) return;
  const risky = plan.migrations.flatMap((m) => (m.atRisk?.objects ?? []).filter((o) => o.rows > 0).map((o) => `${m.name}: ${o.action} ${o.name} (${plural(o.rows, o.column ? 'value' : 'row')}${o.derived?.rows ? (o.rows === 1 ? ', derived' : `, ${o.derived.rows} of them derived`) : ''})`));
  if (risky.length > 0) {
    throw new DbrollbackError('DATA_LOSS_REFUSED', `refusing to undo: the down migrations would destroy live data — ${risky.join('; ')}`, {
      hint: 'Nothing was changed. Review `dbrollback plan`; if losing that data is intended, run again with --accept-data-loss (a backup is still taken first).',
      details: { atRisk: plan.migrations.map((m) => ({ name: m.name, atRisk: m.atRisk })) },
    });
  }
  if (plan.atRiskUnknown.length > 0) {
    throw new DbrollbackError('DATA_LOSS_REFUSED', `refusing to undo: what the down migrations of ${plan.atRiskUnknown.join(', ')} would destroy cannot be seen without running them`, {
      hint: 'Nothing was changed. Check those down migrations by hand; if they may run, repeat with --accept-data-loss (a backup is still taken first).',
    });
  }
}

/**
 * A down PostgreSQL would stop partway — a constraint it re-adds that rows written since the migration violate —
 * is refused before the backup, the pause and the locks: failing there would leave traffic paused for nothing,
 * and a tool that runs its downs outside one transaction with part of them done.
 */
function assertDownsCanRun(plan: Plan): void {
  const failing = plan.migrations.flatMap((m) => (m.blockers ?? []).filter((b) => (b.violations ?? 0) > 0).map((b) => ({ m, b })));
  if (failing.length === 0) return;
  const oldest = plan.migrations.at(-1)?.name ?? 'NAME';
  throw new DbrollbackError('DOWN_WOULD_FAIL', `refusing to undo: the down migrations would fail on rows the database holds now — ${failing.map(({ m, b }) => `${m.name} (line ${b.line}): ${blockerMessage(b)}`).join('; ')}`, {
    hint: `Nothing was changed. Correct or remove those rows first (\`dbrollback plan\` lists the query that finds them), or keep them and ${restoreBefore(plan, oldest, 'restore to before the migration instead')}.`,
    details: { blockers: failing.map(({ m, b }) => ({ migration: m.name, ...b })) },
  });
}

/**
 * "restore to before it: COMMAND": from the WAL archive, or — where the plan found that no point-in-time restore
 * can reach the moment before the oldest migration — from a logical backup taken at the head before it.
 */
function restoreBefore(plan: Plan, name: string, lead = 'restore to before it'): string {
  const oldest = plan.migrations.at(-1)?.name;
  if (plan.pitrUnreachable === null || name !== oldest) return `${lead}: dbrollback restore --before-migration ${name} --data-dir DIR`;
  const from = plan.restoreFrom;
  // The backup the plan found: at the head before it, or an older one whose later migrations are applied again.
  const command = !from
    ? `dbrollback restore --before-migration ${name} --backup auto`
    : `dbrollback restore --backup ${from.backupId}${from.atTargetHead || plan.targetHead === null ? '' : reapplyNote(from.migrationHead, plan.targetHead)}`;
  return `${lead} from a logical backup: ${command} (no point-in-time restore can reach that moment: ${plan.pitrUnreachable})`;
}

/** The downs must bring the schema back to what it was before the migrations, by name — or the user accepts each difference named. */
function assertRoundTrip(plan: Plan, options: UndoOptions): void {
  const rt = plan.roundTrip;
  if (!rt || rt.ok === true || rt.source === 'none' || options.acceptSchemaDifference) return;
  if (rt.ok === null) {
    throw new DbrollbackError('SCHEMA_ROUND_TRIP', `refusing to undo: that the down migrations bring the schema back could not be proven — ${rt.note ?? 'unknown reason'}`, {
      hint: 'Nothing was changed. Fix what stopped the rehearsal (above), or, having checked the downs by hand, run again with --accept-schema-difference (verify still compares the schema after the undo).',
      details: { roundTrip: { source: rt.source, note: rt.note } },
    });
  }
  throw new DbrollbackError('SCHEMA_ROUND_TRIP', `refusing to undo: the down migrations would not bring the schema back to what it was before them (${rt.source === 'record' ? 'checked against the schema recorded before each migration' : 'rehearsed in a throwaway database'}) — ${rt.differences.map((d) => d.message).join('; ')}`, {
    hint: `Nothing was changed. ${rt.differences.some((d) => d.effect === 'missing') ? 'Recreate what is missing (as the migration that created it did), or fix the down migrations (see `dbrollback plan`)' : 'Fix the down migrations (see `dbrollback plan`)'}, or, if leaving these differences is intended, run again with --accept-schema-difference (verify then reports them as accepted).`,
    details: { roundTrip: { source: rt.source, differences: rt.differences } },
  });
}

function safetyDetail(plan: Plan, options: UndoOptions): string {
  const rt = plan.roundTrip;
  const schema = !rt ? '' : rt.ok === true
    ? (rt.source === 'record' ? 'schema round trip: no difference against the recorded schema; ' : 'schema round trip exact (rehearsed); ')
    : rt.source === 'none' ? `schema round trip not checked (${rt.note}); `
      : options.acceptSchemaDifference ? `schema differences accepted with --accept-schema-difference (${rt.ok === null ? `not proven: ${rt.note}` : rt.differences.map((d) => d.message).join('; ')}); ` : '';
  return schema + dataDetail(plan, options);
}

function dataDetail(plan: Plan, options: UndoOptions): string {
  if (options.acceptDataLoss && (plan.atRisk.rows > 0 || plan.atRiskUnknown.length > 0)) {
    return `data loss accepted with --accept-data-loss (${plan.atRisk.rows} rows/values at risk${plan.atRiskUnknown.length ? `, unknown for ${plan.atRiskUnknown.join(', ')}` : ''})`;
  }
  return 'no live data at risk';
}

async function confirmRun(plan: Plan, options: UndoOptions): Promise<string> {
  if (options.yes) return 'confirmed by --yes';
  if (!options.confirm) {
    throw new DbrollbackError('CONFIRMATION_REQUIRED', 'undo changes the database and there is no terminal to confirm on', {
      hint: 'Run it in a terminal to confirm interactively, or pass --yes (after reviewing `dbrollback plan`). Nothing was changed.',
    });
  }
  if (!(await options.confirm(plan))) {
    throw new DbrollbackError('REFUSED', 'undo cancelled at the confirmation prompt', { hint: 'Nothing was changed.' });
  }
  return 'confirmed at the terminal';
}

async function runDowns(adapter: MigratorAdapter, target: DownTarget, state: RunState, log: (line: string) => void, run: { lockTimeoutMs: number; signal: AbortSignal | undefined }): Promise<{ undone: string[]; headAfter: string | null }> {
  try {
    const result = await adapter.down(target, { onStep: (name) => log(`down ${name}`), lockTimeoutMs: run.lockTimeoutMs, ...(run.signal ? { signal: run.signal } : {}) });
    return { undone: result.steps.filter((s) => s.status === 'success').map((s) => s.name), headAfter: result.headAfter };
  } catch (err) {
    const details = isDbrollbackError(err) ? err.details : undefined;
    if (details && Array.isArray(details.undone)) state.undone = details.undone as string[];
    if (details && Array.isArray(details.notUndone)) state.notUndone = details.notUndone as string[];
    throw err;
  }
}

/** Tables the downs were expected to change: schema changes (catalog diff) and tables their SQL names. */
async function expectedChanges(db: Db, before: SchemaSnapshot, plan: Plan, adapter: MigratorAdapter): Promise<Array<{ schema: string; table: string }>> {
  const after = await schemaSnapshot(db);
  const known = knownRelations(before, after);
  const keys = tablesChangedBySchema(diffSchemas(before, after), known);
  // The tool's history loses the undone rows.
  if (adapter.historyTable) keys.push(`${adapter.historyTable.schema}.${adapter.historyTable.table}`);
  for (const t of adapter.bookkeeping?.tables ?? []) keys.push(`${t.schema}.${t.table}`);
  await initParser();
  for (const m of plan.migrations) {
    if (m.downSql.source === 'unknown' || m.downSql.sql.trim() === '') continue;
    keys.push(...tablesNamedBySql(parseSql(m.downSql.sql, m.downSql.path ?? m.name).statements));
  }
  for (const t of [...(adapter.historyTable ? [adapter.historyTable] : []), ...(adapter.bookkeeping?.tables ?? [])]) known.set(`${t.schema}.${t.table}`, { schema: t.schema, table: t.table });
  return toTableRefs(keys, known);
}

function nothingToUndo(plan: Plan): DbrollbackError {
  const kept = plan.staysApplied;
  const why = kept.length > 0
    ? `only ${kept.map((m) => m.name).join(', ')} ${kept.length === 1 ? 'is' : 'are'} applied after the target, and undo leaves ${kept.length === 1 ? 'it' : 'them'} applied (${kept[0]!.note})`
    : `${plan.targetHead ?? 'the target'} is already the head`;
  return new DbrollbackError('USAGE', `nothing to undo: ${why}`, {
    hint: 'Run `dbrollback status` to see what is applied. Nothing was changed.',
  });
}

/** The way back to the state before the undo is the safety backup it took: a dump, a restore point in the WAL archive, or none. */
function verifyFailed(report: VerifyReport, safety: SafetyBackup, writtenDespitePause: readonly TableRef[]): DbrollbackError {
  const base = verifyFailedError(report);
  // A pause hook that drained only part of the traffic: those differences may be the application's rows, which a restore would lose.
  const despite = writtenDespitePause.length === 0 ? '' : `. ${writtenDespitePause.map((t) => `${t.schema}.${t.table}`).join(', ')} ${writtenDespitePause.length === 1 ? 'was' : 'were'} written during the run, after --pause-traffic, though the downs were not expected to write ${writtenDespitePause.length === 1 ? 'it' : 'them'}: traffic was not fully paused, and their differences may be the application's own rows — a restore of the backup would lose them`;
  const backupId = safety.backup?.manifest.id ?? null;
  const point = safety.restorePoint;
  const dump = backupId === null ? null : `dbrollback restore --backup ${backupId}`;
  const wayBack = point
    ? `; to go back to the state before the undo: dbrollback restore --restore-point ${point.name} --data-dir DIR (the whole database, recovered from the WAL archive into a new data directory)${dump ? `, and the rows the downs destroyed are in partial backup ${backupId} (${dump})` : ''}`
    : dump
      ? `; to go back to the state before the undo: ${dump}`
      : ` (no backup was taken: ${safety.reason})`;
  return new DbrollbackError('VERIFY_FAILED', `${base.message}${despite}. Traffic was NOT resumed.`, {
    hint: `Keep traffic paused. Inspect the failing checks${wayBack}.`,
    details: { ...base.details, backupId, restorePoint: point?.name ?? null, writtenDespitePause: writtenDespitePause.map((t) => `${t.schema}.${t.table}`) },
  });
}

/** Any failure becomes a DbrollbackError whose message says where the database is. */
function asDbrollbackError(err: unknown, state: RunState): DbrollbackError {
  const base = asRunError(err);
  const stopped = isStopError(base);
  if (base.code === 'MIGRATION_FAILED' || base.code === 'VERIFY_FAILED' || (base.exitCode !== EXIT.failed && !stopped) || state.plan === null) return base;
  // A failure after the plan: say exactly what was and was not undone.
  const where = state.undone.length > 0
    ? `undone: ${state.undone.join(', ')}; still applied: ${state.notUndone.join(', ') || 'none'}`
    : 'no migration was undone';
  return new DbrollbackError(base.code, `${base.message} (${where}${state.backupId ? `; backup ${state.backupId} was taken` : ''})`, {
    hint: base.hint,
    cause: base.cause ?? base,
    details: { ...base.details, undone: state.undone, notUndone: state.notUndone, backupId: state.backupId },
  });
}

/**
 * A run that failed after pausing traffic. Traffic stays paused: the resume hook runs only after a passing
 * verify (DESIGN.md's undo invariant), and a failed run has none. What the message adds is what the person on
 * call needs to decide: whether the database is as it was before the run (no down had started, or the
 * downs gave up on a lock having changed nothing: the application ran on it until the pause), or not.
 */
function afterPausedFailure(error: DbrollbackError, state: RunState, hasResumeHook: boolean): DbrollbackError {
  // Their messages already say it: verify's "Traffic was NOT resumed.", the hooks' own failures.
  if (error.code === 'VERIFY_FAILED' || error.code === 'HOOK_FAILED') return error;
  const resume = hasResumeHook ? 'run your --resume-traffic command by hand' : 'resume it by hand';
  const why = isStopError(error) ? 'the run was stopped' : '--resume-traffic runs only after verify passes';
  // The downs giving up on a lock changed nothing (withLockRetries says so in its message): as if none had run.
  const unchanged = !state.downsStarted || (error.code === 'LOCK_TIMEOUT' && state.undone.length === 0);
  const note = unchanged
    ? `traffic is still paused (--pause-traffic ran; ${why}): the database is as it was before the run — ${resume} to return to it, or run undo again`
    : `traffic is still paused (--pause-traffic ran; ${why}): resume it only once the database is where the application can run on it`;
  return new DbrollbackError(error.code, `${error.message}; ${note}`, { hint: error.hint, cause: error.cause ?? error, details: { ...error.details, trafficPaused: true } });
}

function hookContext(run: RunContext, state: RunState, log: (line: string) => void) {
  return {
    env: {
      DBROLLBACK_DATABASE: describeConn(run.conn),
      DBROLLBACK_BACKUP_ID: state.backupId ?? '',
      DBROLLBACK_TARGET_HEAD: state.plan?.targetHead ?? '',
    },
    onOutput: log,
  };
}

/** What the journal records with each step: enough to tell the database's state if the run dies after it. */
function journalFacts(state: RunState): Record<string, unknown> {
  return { planType: state.plan?.type ?? null, targetHead: state.plan?.targetHead ?? null, backupId: state.backupId, undone: state.undone, notUndone: state.notUndone };
}

/** Interrupted runs on this database, said in a line each (they are listed by `dbrollback history` too). */
async function interruptedOn(storage: Storage, database: string, log: (line: string) => void): Promise<UnfinishedRun[]> {
  const runs = (await unfinishedRuns(storage)).filter((r) => r.state === 'interrupted' && r.database === database);
  for (const r of runs) log(`note: an earlier ${r.command} (${r.runId}, started ${r.startedAt} by ${r.who?.osUser ?? '?'}) was interrupted after step ${r.lastCompleted ?? '(none)'}: ${describeRunFacts(r.facts)}`);
  return runs;
}

/** What undo's audit record holds beyond the common fields. */
function auditFacts(options: UndoOptions, state: RunState) {
  return {
    plan: state.plan ? { type: state.plan.type, head: state.plan.head, targetHead: state.plan.targetHead, migrations: state.plan.migrations.map((m) => ({ name: m.name, down: m.down, atRisk: m.atRisk })), reasons: state.plan.reasons } : null,
    backupId: state.backupId,
    verify: state.verify ? verifySummary(state.verify) : null,
    undone: state.undone,
    notUndone: state.notUndone,
    noBackup: Boolean(options.noBackup) || state.safety?.taken === 'none',
    extra: { backup: state.safety ? summarize(state.safety) : null, ...(state.schemaRecord ? { schemaRecord: state.schemaRecord } : {}) },
  };
}

/** What undo's report, plan and audit record say about the safety backup. */
export interface SafetySummary {
  mode: UndoBackupMode;
  taken: SafetyBackup['taken'];
  reason: string;
  backupId: string | null;
  /** A partial backup's tables (their rows). */
  tables: string[];
  restorePoint: SafetyBackup['restorePoint'];
}

function summarize(s: SafetyBackup): SafetySummary {
  return { mode: s.mode, taken: s.taken, reason: s.reason, backupId: s.backup?.manifest.id ?? null, tables: s.tables, restorePoint: s.restorePoint };
}

function backupDetail(s: SafetyBackup): string {
  const b = s.backup?.manifest;
  const dump = b ? `${b.partial ? 'partial backup' : 'backup'} ${b.id}, ${b.sizeBytes} bytes, sha256 verified: ${b.verified}` : null;
  const point = s.restorePoint ? `restore point ${s.restorePoint.name} at ${s.restorePoint.lsn}, archived` : null;
  return `${[point, dump].filter(Boolean).join(' + ') || 'none'} (${s.reason})`;
}

/** The plan says which backup was taken and why (its backup step and a field of its own). */
function recordSafetyInPlan(plan: Plan, s: SafetyBackup): void {
  plan.safetyBackup = summarize(s);
  const step = plan.steps.find((st) => st.action === 'backup');
  if (step) step.detail = `${s.taken === 'none' ? 'no backup' : `${s.taken} taken`}: ${s.reason}`;
}

function withExtra<T extends { extra?: Record<string, unknown> }>(facts: T, more: Record<string, unknown>): T {
  return { ...facts, extra: { ...facts.extra, ...more } };
}
