/**
 * Sqitch behind the adapter contract. Sqitch itself deploys, reverts and
 * verifies (program.ts), so its registry and its `events` log stay its own:
 *  - up: `sqitch deploy --to CHANGE`, one change at a time (migrate makes a
 *    restore point before each);
 *  - down: `sqitch revert -y --to CHANGE` (the change stays deployed: the
 *    same meaning as --to here), or `sqitch revert -y` when every deployed
 *    change goes; a --count is mapped to the change it leaves as the head.
 *    Sqitch reverts one change at a time, each script in whatever
 *    transaction it opens itself (singleTransaction false), and stops at the
 *    first failure, which leaves that change deployed;
 *  - verifyApplied: `sqitch verify`, once, for the verify gate.
 * Its advisory lock (75474063, Sqitch's pg engine) is honoured: dbrollback
 * never acts while it is held; Sqitch takes it itself while it runs for us.
 * A change without a revert script is `missing`: refused before anything runs.
 */
import { access, readFile } from 'node:fs/promises';
import { DbrollbackError } from '../../errors.js';
import { onSession } from '../../db/session.js';
import { advisoryLockHolder, describeHolder } from '../../db/lock.js';
import type { AdapterOptions, DownResult, DownTarget, MigrationInfo, MigrationSql, MigrationStatus, MigratorAdapter, RunDownOptions, RunUpOptions } from '../contract.js';
import type { ToolVerifyOutcome } from '../../verify/check.js';
import { assertUpCount, selectForDown } from '../select.js';
import { assertReversible } from '../down-guard.js';
import { downOutcome } from '../down-outcome.js';
import { readDeployed, type DeployedChange } from './history.js';
import { findSqitch, runSqitch, sqitchMissing } from './program.js';
import { loadProject, registryOf, type SqitchChange, type SqitchProject } from './project.js';

/** Sqitch's pg engine: `SELECT pg_try_advisory_lock(75474063)` while it deploys, reverts or verifies. */
export const SQITCH_LOCK = { key: 75_474_063n, owner: 'Sqitch' } as const;

export function createSqitchAdapter(options: AdapterOptions): MigratorAdapter {
  return new SqitchAdapter(options);
}

interface Snapshot {
  project: SqitchProject;
  status: MigrationStatus;
  /** Deployed changes (registry order) with the plan change each is. */
  deployed: Array<{ row: DeployedChange; change: SqitchChange | null; name: string }>;
}

class SqitchAdapter implements MigratorAdapter {
  readonly kind = 'sqitch' as const;
  readonly toolLocks = [SQITCH_LOCK];
  private program: Promise<string | null> | undefined;
  private registryName: string | undefined;

  constructor(private readonly options: AdapterOptions) {}

  /** The registry's `changes` table is what an undo rewrites (with tags, dependencies and events beside it). */
  get historyTable(): { schema: string; table: string } {
    return { schema: this.registry(), table: 'changes' };
  }

  /** The rest of Sqitch's registry, which a deploy and a revert write too; the schema is Sqitch's alone. */
  get bookkeeping(): { tables: Array<{ schema: string; table: string }>; schema: string } {
    const schema = this.registry();
    return { tables: ['tags', 'dependencies', 'events', 'projects', 'releases'].map((table) => ({ schema, table })), schema };
  }

  /** The registry schema: the setting, else sqitch.conf's engine.pg.registry (read synchronously: the getters above need it), else sqitch. */
  private registry(): string {
    if (this.options.migrationsSchema) return this.options.migrationsSchema;
    this.registryName ??= registryOf(this.options.migrationsDir);
    return this.registryName;
  }

  async status(): Promise<MigrationStatus> {
    return (await this.snapshot()).status;
  }

  async select(target: DownTarget): Promise<MigrationInfo[]> {
    const { status } = await this.snapshot();
    return selectForDown(status.applied, target, status.migrations);
  }

  async down(target: DownTarget, runOptions: RunDownOptions = {}): Promise<DownResult> {
    const before = await this.snapshot();
    const { status } = before;
    const selection = selectForDown(status.applied, target, status.migrations);
    if (selection.length === 0) return { steps: [], singleTransaction: false, headAfter: status.head };
    assertReversible(selection);
    if (status.lockHolder) throw lockHeld(status.lockHolder);
    const sqitch = await this.sqitch();
    // The change that stays the head: Sqitch's --to names it; none left means revert everything.
    const keep = status.applied[status.applied.length - selection.length - 1];
    const to = keep ? revertTarget(before, keep.name) : null;
    for (const m of selection) runOptions.onStep?.(m.name);
    const started = Date.now();
    let error: unknown;
    try {
      await runSqitch(this.runOf(sqitch, runOptions.lockTimeoutMs), 'revert', ['-y', ...(to !== null ? ['--to', to] : [])]);
    } catch (err) {
      error = err;
    }
    const after = await this.snapshot();
    const undone = selection.filter((m) => !after.status.applied.some((a) => a.name === m.name));
    const each = undone.length > 0 ? Math.round((Date.now() - started) / undone.length) : 0;
    return downOutcome({
      kind: this.kind,
      selection,
      appliedAfter: after.status.applied.map((m) => m.name),
      singleTransaction: false,
      durations: new Map(undone.map((m) => [m.name, each])),
      // The scripts run through psql as written: a script without BEGIN/COMMIT is not atomic.
      ...(error !== undefined ? { error, failedOutsideTransaction: true } : {}),
    });
  }

  async up(count?: number, upOptions: RunUpOptions = {}): Promise<string[]> {
    assertUpCount(count);
    const before = await this.snapshot();
    if (before.status.lockHolder) throw lockHeld(before.status.lockHolder);
    const toDeploy = before.status.pending.slice(0, count ?? Number.POSITIVE_INFINITY);
    const sqitch = await this.sqitch();
    const done: string[] = [];
    for (const m of toDeploy) {
      try {
        // One change per run of sqitch: a restore point can come before each, and a failure names it.
        await runSqitch(this.runOf(sqitch, upOptions.lockTimeoutMs), 'deploy', ['--to', sqitchName(before, m.name)]);
      } catch (err) {
        throw new DbrollbackError(
          'MIGRATION_FAILED',
          `sqitch deploy of ${m.name} failed: ${(err as Error).message}. ` + (done.length > 0 ? `Deployed before the failure: ${done.join(', ')}.` : 'Nothing was deployed.') + ' Sqitch reverts a change whose deploy script fails, when the script lets it.',
          { hint: 'Fix the deploy script and run again: only what is still pending is deployed.', cause: err, details: { applied: done, failed: m.name } },
        );
      }
      done.push(m.name);
    }
    return done;
  }

  async sqlOf(name: string, direction: 'up' | 'down'): Promise<MigrationSql> {
    const { project } = await this.snapshot();
    const change = project.changes.find((c) => c.name === name);
    if (!change) {
      throw new DbrollbackError('MIGRATION_NOT_FOUND', `the Sqitch plan ${project.planFile} has no change named ${name}`, { hint: 'Run `dbrollback status` for the changes Sqitch knows.' });
    }
    const file = direction === 'up' ? change.deploy : change.revert;
    const sql = await readFile(file, 'utf8').catch(() => null);
    if (sql === null) return { name, direction, sql: '', source: 'unknown', path: null, note: `${name} has no ${direction === 'up' ? 'deploy' : 'revert'} script (${file})` };
    return { name, direction, sql, source: 'file', path: file, note: null };
  }

  async verifyApplied(): Promise<ToolVerifyOutcome> {
    const sqitch = await this.sqitch();
    const { stdout, stderr, exitCode } = await runSqitch(this.runOf(sqitch), 'verify', [], { allowFailure: true });
    const results = [...stdout.matchAll(/^\s*\*\s+(\S+)(?:\s+@\S+)*\s+\.+\s*(.*)$/gm)].map((m) => ({ change: m[1]!, outcome: m[2]!.trim() }));
    // A failed change's line ends in "# Verify script … failed." (its "not ok" follows on the next line).
    const failing = results.filter((r) => r.outcome !== 'ok').map((r) => r.change);
    const reasons = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const problems = failing.map((c) => `${c}: its verify script failed${reasons.length > 0 ? ` (${reasons.find((l) => /ERROR/.test(l)) ?? reasons[0]})` : ''}`);
    if (exitCode !== 0 && problems.length === 0) problems.push(`sqitch verify exited ${exitCode}: ${reasons.slice(-2).join(' | ') || stdout.trim().split('\n').slice(-2).join(' | ')}`);
    const verified = results.length;
    return {
      ok: exitCode === 0,
      detail: exitCode === 0 ? `sqitch verify: ${verified} deployed change${verified === 1 ? '' : 's'} verified` : `sqitch verify: ${failing.length} of ${verified} deployed change${verified === 1 ? '' : 's'} failed verification`,
      problems,
      data: { verified, failed: failing },
    };
  }

  async close(): Promise<void> {
    // Every call reads the plan afresh and runs sqitch on its own.
  }

  private sqitch(): Promise<string> {
    this.program ??= findSqitch();
    return this.program.then((p) => {
      if (p === null) throw sqitchMissing();
      return p;
    });
  }

  private runOf(program: string, lockTimeoutMs?: number) {
    return {
      program,
      conn: this.options.conn,
      dir: this.options.migrationsDir,
      ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
      ...(this.options.migrationsSchema !== undefined ? { registry: this.options.migrationsSchema } : {}),
    };
  }

  private async snapshot(): Promise<Snapshot> {
    const project = await loadProject(this.options.migrationsDir);
    const registry = this.options.migrationsSchema ?? project.registry;
    const [rows, holder] = await onSession(this.options.session, this.options.conn, async (db) => [await readDeployed(db, registry, project.project), await advisoryLockHolder(db, SQITCH_LOCK.key)] as const);
    // The k-th deployed row of a name is the k-th instance of that change in the plan (a reworked change has several).
    const seen = new Map<string, number>();
    const deployed = rows.map((row) => {
      const k = seen.get(row.change) ?? 0;
      seen.set(row.change, k + 1);
      const change = project.changes.filter((c) => c.change === row.change)[k] ?? null;
      return { row, change, name: change?.name ?? row.change };
    });
    const downs = await Promise.all(project.changes.map(async (c) => [c.name, (await exists(c.revert)) ? ('yes' as const) : ('missing' as const)] as const));
    const downOf = new Map(downs);
    const applied: MigrationInfo[] = deployed.map((d) => ({
      name: d.name,
      path: d.change?.deploy ?? null,
      applied: true,
      appliedAt: d.row.committedAt,
      down: d.change ? downOf.get(d.change.name)! : 'missing',
      ...(d.row.tags.length > 0 ? { tags: d.row.tags } : {}),
    }));
    const deployedChanges = new Set(deployed.map((d) => d.change).filter((c): c is SqitchChange => c !== null));
    const pending: MigrationInfo[] = project.changes
      .filter((c) => !deployedChanges.has(c))
      .map((c) => ({ name: c.name, path: c.deploy, applied: false, appliedAt: null, down: downOf.get(c.name)!, ...(c.tags.length > 0 ? { tags: c.tags } : {}) }));
    const status: MigrationStatus = {
      migrator: this.kind,
      migrations: [...applied, ...pending],
      applied,
      pending,
      head: applied.at(-1)?.name ?? null,
      missingDefinitions: deployed.filter((d) => d.change === null).map((d) => d.name),
      lockHolder: holder,
    };
    return { project, status, deployed };
  }
}

/**
 * The change `sqitch revert --to` keeps, as Sqitch finds it among the deployed changes: an earlier instance of a
 * reworked change by its change ID — `name@tag` means "name as of tag", which Sqitch looks up through the tag, and
 * once the revert has taken the tag away (reverting past the change it is on) that lookup fails ("Change not
 * deployed"); the ID names that instance whatever is deployed after it. Any other change as sqitchName says.
 */
function revertTarget(snapshot: Snapshot, name: string): string {
  const deployed = snapshot.deployed.find((d) => d.name === name);
  if (deployed?.change && deployed.change.name !== deployed.change.change) return deployed.row.changeId;
  return sqitchName(snapshot, name);
}

/**
 * How Sqitch's --to names a change: its name, `name@tag` for an earlier instance of a reworked one (the names
 * dbrollback shows), and `name@HEAD` for the last instance of a reworked one — Sqitch refuses the bare name there
 * ("Change lookup failed": it names every instance).
 */
function sqitchName(snapshot: Snapshot, name: string): string {
  const changes = snapshot.project.changes;
  const change = changes.find((c) => c.name === name);
  if (!change) return name;
  if (change.name === change.change && changes.some((c) => c !== change && c.change === change.change)) return `${change.change}@HEAD`;
  return change.name;
}

function lockHeld(holder: NonNullable<MigrationStatus['lockHolder']>): DbrollbackError {
  return new DbrollbackError('LOCK_HELD', `Sqitch is running against this database (its advisory lock is held by ${describeHolder(holder)}). Nothing was changed.`, {
    hint: 'Wait for that sqitch deploy/revert to finish and try again.',
    details: { holder },
  });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
