/**
 * `dbrollback migrate`: apply pending migrations through the project's own
 * tool, with the way back made certain first.
 *
 *   lock → select → classify (policy) → recovery (backup) → for each migration:
 *   restore point → up → check the head
 *
 * Like undo it returns a typed report instead of throwing halfway; a failure
 * says which migrations this run applied and which restore point (or backup)
 * leads back to the state before it. Every run that got past its input
 * checks leaves an audit record in the storage.
 */
import { invalidIndexRows, type InvalidIndex } from '../../db/invalid-indexes.js';
import { indexesIfNotExists } from '../../sql/creates.js';
import { parsedSqlOf } from '../../tools/parsed-sql.js';
import { AuditRun, type StepResult } from '../../audit/audit-trail.js';
import { Checklist, isStopError, stoppedError } from '../../audit/checklist.js';
import { faultPoint } from '../../audit/fault-point.js';
import type { Journal } from '../../audit/journal.js';
import { asRunError, openJournal, outcomeOf, recordRun, type RunOutcome } from '../../audit/runbook.js';
import { BEFORE_MIGRATION_PREFIX, writeRestorePoint, type RestorePointRecord } from '../../backup/restore-points.js';
import { writeSchemaRecord } from '../../backup/schema-records.js';
import { schemaSnapshot } from '../../db/schema/snapshot.js';
import { systemIdentifier } from '../../db/system-identifier.js';
import { toolExclusions } from '../round-trip/exclusions.js';
import type { Db } from '../../db/connection.js';
import { describeConn } from '../../db/conninfo.js';
import { acquireLock, type HeldLock } from '../../db/lock.js';
import { createRestorePoint, restorePointName, restorePointsUnavailable, walSettings, walSwitchUnavailable, type WalSettings } from '../../db/restore-point.js';
import { DbrollbackError } from '../../errors.js';
import type { ProgressListener } from '../../progress.js';
import type { MigratorAdapter } from '../../tools/contract.js';
import { FAIL_ON, type FailOn } from '../../run/options.js';
import type { RunContext } from '../../run/run-context.js';
import { classifyPending, policyRefusal, type PendingVerdict } from './policy.js';
import { upBlockers, upBlockersRefusal } from './preflight.js';
import { BACKUP_MODES, ensureRecovery, type BackupMode, type Recovery } from './recovery.js';
import { selectPending, type UpTarget } from './select-pending.js';
import { assertMayMigrate } from '../../tools/blocked.js';
import { historyTableExists, removeCreatedHistory } from './created-history.js';

export interface MigrateOptions {
  /** Default: every pending migration. */
  target?: UpTarget;
  /** Default: the config's failOn (none when unset). */
  failOn?: FailOn[];
  /** Default `auto`. */
  backup?: BackupMode;
  /** lock_timeout (ms) for the migrations' statements (default: the run's configured lockTimeout). */
  lockTimeoutMs?: number;
  /** The command line, for the audit record (secrets are removed). */
  commandLine?: string[];
  onStep?: (line: string) => void;
  onProgress?: ProgressListener;
}

export interface AppliedMigration {
  name: string;
  status: 'applied' | 'failed' | 'not-run';
  /** The point made just before it (null when the server cannot make one). */
  restorePoint: RestorePointRecord | null;
  /** Storage key of the schema recorded just before it (null until recorded). */
  schemaRecord: string | null;
  durationMs: number;
  error?: string;
}

export interface MigrateReport {
  ok: boolean;
  outcome: RunOutcome;
  database: string;
  /** The selected pending migrations, in the order they are applied. */
  selected: string[];
  applied: string[];
  notApplied: string[];
  migrations: AppliedMigration[];
  classification: PendingVerdict[];
  failOn: FailOn[];
  recovery: Recovery | null;
  backupId: string | null;
  /** Why no restore points were made, when none could be. */
  restorePointsSkipped: string | null;
  /** Why the restore points made were not switched into the WAL archive at once (no pg_switch_wal for this role), or null. */
  walSwitchSkipped: string | null;
  headBefore: string | null;
  headAfter: string | null;
  steps: StepResult[];
  auditKey: string | null;
  error: DbrollbackError | null;
}

export const MIGRATE_STEPS = ['lock', 'select', 'classify', 'recovery', 'apply'] as const;

export async function migrate(run: RunContext, options: MigrateOptions = {}): Promise<MigrateReport> {
  const log = options.onStep ?? (() => undefined);
  const failOn = checkFailOn(options.failOn ?? run.config.failOn ?? []);
  const mode = checkBackupMode(options.backup ?? 'auto');
  const audit = new AuditRun('migrate', describeConn(run.conn), options.commandLine);
  const state: RunState = { selected: [], migrations: [], classification: [], recovery: null, restorePointsSkipped: null, walSwitchSkipped: null, headBefore: null, headAfter: null, historyExisted: null, historyNote: '' };
  const checklist = new Checklist(MIGRATE_STEPS, log, { signal: run.signal, facts: () => journalFacts(state) });
  let journal: Journal | undefined;
  const session = run.session;
  session.open();
  // Bad input fails here, before anything is touched: storage URL, migrations.
  const storage = run.storage;
  const adapter = await run.adapter();

  let lock: HeldLock | undefined;
  let error: DbrollbackError | null = null;
  try {
    await storage.check();
    const db = await session.db();
    // One dbrollback per database, and never while the migration tool runs.
    lock = await checklist.run('lock', () => acquireLock(db, adapter.toolLocks), () => 'dbrollback advisory lock held');
    const status = await adapter.status();
    assertMayMigrate(status);
    state.headBefore = status.head;
    const selected = await checklist.run('select', async () => selectPending(status, options.target), (s) => (s.length ? `${s.length} pending: ${s.map((m) => m.name).join(', ')}` : 'nothing pending'));
    state.selected = selected.map((m) => m.name);
    state.migrations = selected.map((m) => ({ name: m.name, status: 'not-run', restorePoint: null, schemaRecord: null, durationMs: 0 }));
    state.headAfter = status.head;
    if (selected.length > 0) {
      const policy = await checklist.run('classify', () => classifyPending(run.config, selected, failOn, log, adapter), (p) => verdictLine(p.verdicts, failOn));
      state.classification = policy.verdicts;
      if (policy.offences.length > 0) {
        checklist.fail('classify', `${policy.offences.length} statement(s) hit --fail-on ${failOn.join(',')}`);
        throw policyRefusal(policy.offences, failOn);
      }
      // Rows the database holds now that a pending up's constraint or type change would reject: refused before anything runs.
      const blocked = await upBlockers(db, adapter, selected);
      if (blocked.length > 0) {
        checklist.fail('classify', `${blocked.length} statement(s) would fail on rows the database holds now`);
        throw upBlockersRefusal(blocked);
      }
      // The input is good: from here on the run is journaled in the storage as it goes.
      journal = openJournal(storage, audit, 'migrate', describeConn(run.conn), options.commandLine ?? [], MIGRATE_STEPS);
      checklist.attach(journal);
      const wal = await walSettings(db);
      state.restorePointsSkipped = restorePointsUnavailable(wal);
      if (state.restorePointsSkipped === null) state.walSwitchSkipped = walSwitchUnavailable(wal);
      // A first migration that fails must not leave behind a history table this run created.
      state.historyExisted = await historyTableExists(db, adapter);
      // The run is in the journal before its backup starts: a run killed during a long backup is found as interrupted.
      await journal.flush();
      // Nothing is applied before the state it starts from can be brought back.
      const recovery = await checklist.run(
        'recovery',
        () => ensureRecovery(run, mode, { label: `before migrate to ${state.selected.at(-1)}`, onStep: log, onProgress: options.onProgress, mayForceArchive: wal.archiveMode === 'off' || wal.maySwitchWal }),
        (r) => r.detail,
      );
      state.recovery = recovery;
      // The way back must be in the journal before the first migration changes anything.
      await journal.flush();
      await checklist.run('apply', () => applyEach(run, db, adapter, wal, audit.id, state, options, log, () => checklist.checkpoint()), () => `applied: ${state.selected.join(', ')}`);
    } else {
      checklist.skip('classify', 'nothing pending');
      checklist.skip('recovery', 'nothing pending');
      checklist.skip('apply', 'nothing pending');
    }
  } catch (err) {
    if (state.migrations.some((m) => m.status === 'failed') && !state.migrations.some((m) => m.status === 'applied')) {
      state.historyNote = await session.db().then((db) => removeCreatedHistory(db, adapter, state.historyExisted)).catch((e: unknown) => ` Whether the tool's history table was left behind could not be checked: ${(e as Error).message}.`);
    }
    error = asMigrateError(err, state);
    // The step says what failed as the error does: the tool's own "Nothing was applied" is about its one-migration call, not this run.
    const failed = state.migrations.find((m) => m.status === 'failed');
    if (failed?.error !== undefined) checklist.fail('apply', `applying ${failed.name} failed: ${failureReason(failed.name, failed.error)}`);
  } finally {
    await lock?.release().catch(() => undefined);
  }

  const steps = checklist.finish();
  const auditKey = await recordRun(audit, storage, steps, error, auditFacts(state, failOn, mode), log, journal);
  await session.end();
  const applied = state.migrations.filter((m) => m.status === 'applied').map((m) => m.name);
  return {
    ok: error === null,
    outcome: outcomeOf(error),
    database: describeConn(run.conn),
    selected: state.selected,
    applied,
    notApplied: state.migrations.filter((m) => m.status !== 'applied').map((m) => m.name),
    migrations: state.migrations,
    classification: state.classification,
    failOn,
    recovery: state.recovery,
    backupId: state.recovery?.backupId ?? null,
    restorePointsSkipped: state.restorePointsSkipped,
    walSwitchSkipped: state.walSwitchSkipped,
    headBefore: state.headBefore,
    headAfter: state.headAfter,
    steps,
    auditKey,
    error,
  };
}

interface RunState {
  selected: string[];
  migrations: AppliedMigration[];
  classification: PendingVerdict[];
  recovery: Recovery | null;
  restorePointsSkipped: string | null;
  walSwitchSkipped: string | null;
  headBefore: string | null;
  headAfter: string | null;
  /** Whether the tool's history table existed before the first migration ran (null: unknown or the tool names none). */
  historyExisted: boolean | null;
  /** What a failed run that applied nothing left of the tool's history (a sentence, or ''). */
  historyNote: string;
}

/** One migration at a time, each behind its own restore point, each checked against the tool's head. */
async function applyEach(run: RunContext, db: Db, adapter: MigratorAdapter, wal: WalSettings, runId: string, state: RunState, options: MigrateOptions, log: (line: string) => void, checkpoint: () => Promise<void>): Promise<void> {
  // Archived WAL is what makes a point reachable: switch segments only when something archives them.
  const switchWal = wal.archiveMode !== 'off' && wal.maySwitchWal;
  // Each schema record names the cluster it was taken on: verify never compares a database with another cluster's record.
  const cluster = await systemIdentifier(db);
  for (const entry of state.migrations) {
    // A stop asked for is honoured between migrations, never inside one.
    if (run.signal?.aborted) throw stoppedError(run.signal.reason, `up ${entry.name}`, state.migrations.filter((m) => m.status === 'applied').at(-1)?.name ?? null);
    const started = performance.now();
    const invalidBefore = await invalidIndexRows(db);
    // An invalid index already there counts against this migration only when its up builds it IF NOT EXISTS (and so skips it).
    const skipped = invalidBefore.length > 0 ? await skippedBuilds(adapter, entry.name) : () => false;
    try {
      await applyOne(run, db, adapter, entry, { switchWal, archiving: wal.archiveMode !== 'off', runId, head: state.headAfter, systemIdentifier: cluster, skipPoint: state.restorePointsSkipped !== null, lockTimeoutMs: options.lockTimeoutMs ?? run.config.lockTimeoutMs }, log);
    } catch (err) {
      entry.status = 'failed';
      entry.error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      entry.durationMs = Math.round(performance.now() - started);
      run.headChanged();
    }
    // The tool's own history must now name this migration as the head.
    const head = (await adapter.status()).head;
    state.headAfter = head;
    if (head !== entry.name) {
      entry.status = 'failed';
      entry.error = `the ${adapter.kind} history's head is ${head ?? '(none)'} afterwards, not ${entry.name}`;
      throw new DbrollbackError('MIGRATION_FAILED', entry.error);
    }
    entry.status = 'applied';
    // The journal names every migration applied, as it is applied.
    await checkpoint();
    // Recorded as applied, yet an index it builds is INVALID (CONCURRENTLY ... IF NOT EXISTS over the one an earlier failure left skips the build): not ok.
    const wasInvalid = new Set(invalidBefore.map((i) => i.display));
    const leftInvalid = (await invalidIndexRows(db)).filter((i) => !wasInvalid.has(i.display) || skipped(i)).map((i) => i.display);
    if (leftInvalid.length > 0) throw invalidAfter(entry.name, adapter.kind, leftInvalid, state);
    await faultPoint('migrate:after-up', run.signal);
  }
}

/**
 * Whether the up of `name` builds an index `CREATE INDEX … IF NOT EXISTS` that an INVALID one of the same name
 * would make a no-op: read from its parsed SQL (the tool's own, or what a code migration sent when captured). An
 * up whose SQL cannot be had or parsed blames no index that was INVALID before it.
 */
async function skippedBuilds(adapter: MigratorAdapter, name: string): Promise<(index: InvalidIndex) => boolean> {
  const built = indexesIfNotExists((await parsedSqlOf(adapter, name, 'up')) ?? []);
  return (index) => built.some((b) => b.name === index.name && (b.schema === null || b.schema === index.schema));
}

/** What the journal records with each step: enough to tell the database's state if the run dies after it. */
function journalFacts(state: RunState): Record<string, unknown> {
  return {
    selected: state.selected,
    applied: state.migrations.filter((m) => m.status === 'applied').map((m) => m.name),
    backupId: state.recovery?.backupId ?? null,
    restorePoints: state.migrations.flatMap((m) => (m.restorePoint ? [m.restorePoint.name] : [])),
  };
}

async function applyOne(
  run: RunContext,
  db: Db,
  adapter: MigratorAdapter,
  entry: AppliedMigration,
  how: { switchWal: boolean; archiving: boolean; runId: string; head: string | null; systemIdentifier: string | null; skipPoint: boolean; lockTimeoutMs: number },
  log: (line: string) => void,
): Promise<void> {
  // The schema as it is before the migration: what an undo of it must come back to, and what verify compares with after one.
  const exclude = toolExclusions(adapter);
  const schema = await schemaSnapshot(db, { exclude });
  const recordedAt = new Date().toISOString();
  if (!how.skipPoint) {
    const point = await createRestorePoint(db, restorePointName(BEFORE_MIGRATION_PREFIX, entry.name), { switchWal: how.switchWal });
    const record: RestorePointRecord = {
      version: 1,
      name: point.name,
      migration: entry.name,
      lsn: point.lsn,
      time: point.time.toISOString(),
      timeline: point.timeline,
      walFile: point.walFile,
      walSwitched: point.walSwitched,
      archiving: how.archiving,
      database: run.conn.database,
      runId: how.runId,
    };
    await writeRestorePoint(run.storage, record);
    entry.restorePoint = record;
    log(`restore point ${point.name} at ${point.lsn} (timeline ${point.timeline})`);
  }
  entry.schemaRecord = await writeSchemaRecord(run.storage, {
    version: 1,
    migration: entry.name,
    head: how.head,
    time: recordedAt,
    database: run.conn.database,
    systemIdentifier: how.systemIdentifier,
    runId: how.runId,
    restorePoint: entry.restorePoint?.name ?? null,
    exclude,
    schema,
  });
  log(`schema before ${entry.name} recorded (${Object.keys(schema.relations).length} relations) in ${entry.schemaRecord}`);
  log(`up ${entry.name}`);
  // Each statement waits for a lock only under lock_timeout: the application never queues behind it for long.
  await adapter.up(1, { lockTimeoutMs: how.lockTimeoutMs });
}

function checkFailOn(failOn: readonly string[]): FailOn[] {
  for (const f of failOn) {
    if (!(FAIL_ON as readonly string[]).includes(f)) {
      throw new DbrollbackError('USAGE', `--fail-on must be breaking and/or destructive (got "${f}")`, { hint: 'e.g. --fail-on breaking,destructive. Nothing was changed.' });
    }
  }
  return [...new Set(failOn)] as FailOn[];
}

function checkBackupMode(mode: string): BackupMode {
  if (!(BACKUP_MODES as readonly string[]).includes(mode)) {
    throw new DbrollbackError('USAGE', `--backup must be one of ${BACKUP_MODES.join(', ')} (got "${mode}")`, { hint: 'The default, auto, takes a logical backup unless a WAL archive makes one unnecessary. Nothing was changed.' });
  }
  return mode as BackupMode;
}

function verdictLine(verdicts: readonly PendingVerdict[], failOn: readonly FailOn[]): string {
  const parts = verdicts.map((v) => `${v.name}: ${v.compatibility ?? 'unclassified'}/${v.dataLoss ?? '?'}`);
  return `${parts.join('; ')}${failOn.length ? ` (--fail-on ${failOn.join(',')}: passed)` : ''}`;
}

/** Applied as far as the tool's history says, but an index it builds is INVALID: the run stops there, saying what the database holds. */
function invalidAfter(name: string, kind: string, indexes: readonly string[], state: RunState): DbrollbackError {
  const notApplied = state.migrations.filter((m) => m.status !== 'applied').map((m) => m.name);
  return new DbrollbackError(
    'MIGRATION_FAILED',
    `${name} is recorded as applied in the ${kind} history, but ${indexes.length === 1 ? 'the index' : 'the indexes'} ${indexes.join(', ')} ${indexes.length === 1 ? 'is' : 'are'} INVALID afterwards: ` +
      'an index build that did not finish (or one CREATE INDEX … IF NOT EXISTS skipped because an earlier failed CONCURRENTLY build left it): the planner ignores it and a unique one enforces nothing. ' +
      `The database is at ${name}${notApplied.length > 0 ? `; not applied: ${notApplied.join(', ')}` : ''}.`,
    {
      hint: `Fix what made the build fail (for a unique index: the duplicate rows), then rebuild it in place: ${indexes.map((i) => `\`REINDEX INDEX CONCURRENTLY ${i};\``).join(' ')} — \`dbrollback verify\` checks that no index is invalid — and run \`dbrollback migrate\` for the rest.`,
      details: { migration: name, invalidIndexes: indexes, notApplied },
    },
  );
}

/** A failure while applying names what this run applied and the way back to before it. */
function asMigrateError(err: unknown, state: RunState): DbrollbackError {
  const base = asRunError(err);
  if (isStopError(base) && state.migrations.length > 0) {
    // Stopped between migrations: each one is either applied whole or not at all.
    const applied = state.migrations.filter((m) => m.status === 'applied').map((m) => m.name);
    const notApplied = state.migrations.filter((m) => m.status !== 'applied').map((m) => m.name);
    return new DbrollbackError(base.code, `${base.message}; ${applied.length ? `applied by this run: ${applied.join(', ')}` : 'this run applied no migration'}; not applied: ${notApplied.join(', ')}; the database is at ${state.headAfter ?? '(no migration)'}`, {
      hint: 'Run `dbrollback migrate` again to apply the rest (only pending migrations are applied).',
      details: { ...base.details, applied, notApplied, headAfter: state.headAfter },
    });
  }
  const failed = state.migrations.find((m) => m.status === 'failed');
  if (!failed) return base;
  const applied = state.migrations.filter((m) => m.status === 'applied').map((m) => m.name);
  const notApplied = state.migrations.filter((m) => m.status !== 'applied').map((m) => m.name);
  const first = state.migrations[0]!;
  const wayBack = wayBackLine(first.restorePoint, state.recovery);
  return new DbrollbackError('MIGRATION_FAILED', `applying ${failed.name} failed: ${failureReason(failed.name, failed.error ?? base.message)}. ` +
    `${applied.length ? `Applied by this run: ${applied.join(', ')}` : 'This run applied no migration'}; not applied: ${notApplied.join(', ')}. ` +
    `The database is at ${state.headAfter ?? '(no migration)'}. ${wayBack}`, {
    hint: `${fixHint(failed.name, base)} ${backToStartHint(first.name, applied, state, toolBlocks(base))}${applied.length === 0 ? state.historyNote : ''}`.trim(),
    cause: base.cause ?? base,
    details: {
      applied,
      notApplied,
      failed: failed.name,
      headAfter: state.headAfter,
      restorePoint: first.restorePoint,
      failedRestorePoint: failed.restorePoint,
      backupId: state.recovery?.backupId ?? null,
    },
  });
}

/**
 * The tool's own message, without what this message says already: its "applying NAME failed:" prefix
 * (the tools that word it so), its "Nothing was applied." (one migration at a time: this run's tally
 * follows) and its closing period.
 */
export function failureReason(name: string, message: string): string {
  let reason = message.trim();
  const prefix = `applying ${name} failed: `;
  while (reason.startsWith(prefix)) reason = reason.slice(prefix.length);
  return reason.replace(/\s*Nothing was applied(?: before it)?\.$/, '').replace(/\.+$/, '');
}

/**
 * A tool that records the failure in its own history (golang-migrate's dirty flag, Flyway's success = false row)
 * refuses every later run until it is cleared — dbrollback's migrate and undo too: its own error says how to clear it.
 */
function toolBlocks(err: DbrollbackError): boolean {
  return (err.details?.dirtyVersion !== undefined || err.details?.recordedFailed === true) && err.hint !== undefined;
}

function fixHint(name: string, err: DbrollbackError): string {
  return toolBlocks(err) ? `${err.hint}` : `Fix ${name} and run \`dbrollback migrate\` again (only pending migrations are applied).`;
}

function backToStartHint(firstName: string, applied: readonly string[], state: RunState, blocked: boolean): string {
  const { recovery } = state;
  if (applied.length === 0) return blocked ? '' : 'The database is as it was before this run.';
  // undo refuses a migration whose down cannot restore it: offering `undo --count N` over one would send the reader into a refusal.
  const irreversible = state.classification.filter((v) => v.reversible === false && applied.includes(v.name)).map((v) => v.name);
  const undo = irreversible.length > 0
    ? `Undo cannot take this run's migrations back (${irreversible.join(', ')}: no down restores ${irreversible.length === 1 ? 'it' : 'them'})`
    : `To undo this run's migrations${blocked ? ' (once the history is cleared as above)' : ''}: dbrollback undo --count ${applied.length}`;
  const restore = recovery?.via === 'wal-archive'
    ? `to recover the state before this run from the WAL archive: dbrollback restore --before-migration ${firstName} --data-dir DIR`
    : recovery?.backupId
      ? `to restore the backup taken first: dbrollback restore --backup ${recovery.backupId} (or: dbrollback restore --before-migration ${firstName} --backup auto)`
      : '';
  return restore ? `${undo}; ${restore}.` : `${undo}.`;
}

function wayBackLine(point: RestorePointRecord | null, recovery: Recovery | null): string {
  const parts: string[] = [];
  if (point) parts.push(`restore point ${point.name} (LSN ${point.lsn}, ${point.time}) is the state before this run`);
  if (recovery?.backupId) parts.push(`backup ${recovery.backupId} was taken before it`);
  return parts.length ? `${parts.join('; ')}.` : 'No restore point or backup was made (--backup never, and the server cannot make restore points).';
}

function auditFacts(state: RunState, failOn: readonly FailOn[], mode: BackupMode) {
  return {
    backupId: state.recovery?.backupId ?? null,
    noBackup: mode === 'never',
    extra: {
      selected: state.selected,
      migrations: state.migrations.map((m) => ({ name: m.name, status: m.status, durationMs: m.durationMs, restorePoint: m.restorePoint ? { name: m.restorePoint.name, lsn: m.restorePoint.lsn, time: m.restorePoint.time } : null, schemaRecord: m.schemaRecord })),
      classification: state.classification,
      failOn,
      backupMode: mode,
      recovery: state.recovery,
      restorePointsSkipped: state.restorePointsSkipped,
      walSwitchSkipped: state.walSwitchSkipped,
      headBefore: state.headBefore,
      headAfter: state.headAfter,
    },
  };
}
