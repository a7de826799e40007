/**
 * A run as a checklist: each step is recorded with its timing and outcome
 * (success / failed / skipped), and steps never reached are listed as not-run,
 * so the report, the journal and the audit record say exactly how far a run
 * got. Steps start only while the run has not been asked to stop: a signal
 * takes effect between steps, never inside one (a down's transaction, a
 * swap's renames are never cut in half by us).
 */
import { DbrollbackError, isDbrollbackError } from '../errors.js';
import type { StepResult } from './audit-trail.js';
import type { Journal } from './journal.js';

export interface ChecklistOptions {
  /** Aborted by SIGINT/SIGTERM (reason 'SIGINT' | 'SIGTERM'): the next step does not start. */
  signal?: AbortSignal;
  /** Where each finished step is journaled, with the run's facts at that moment. */
  journal?: Journal;
  facts?: () => Record<string, unknown>;
}

export class Checklist {
  readonly steps: StepResult[] = [];

  constructor(
    private readonly planned: readonly string[],
    private readonly onStep: (line: string) => void = () => undefined,
    private options: ChecklistOptions = {},
  ) {}

  /** Run one step; its failure is recorded and rethrown. A stop asked for before it starts throws INTERRUPTED / TERMINATED. */
  async run<T>(name: string, fn: () => Promise<T>, describe: (value: T) => string = () => ''): Promise<T> {
    this.stopIfAsked(name);
    return this.exec(name, fn, describe);
  }

  /** A clean-up step (stop a server, remove a throwaway directory): it runs even when a stop was asked for. */
  async cleanup<T>(name: string, fn: () => Promise<T>, describe: (value: T) => string = () => ''): Promise<T> {
    return this.exec(name, fn, describe);
  }

  private async exec<T>(name: string, fn: () => Promise<T>, describe: (value: T) => string): Promise<T> {
    const startedAt = new Date();
    const started = performance.now();
    this.onStep(`${name}...`);
    try {
      const value = await fn();
      const detail = describe(value);
      this.push({ name, status: 'success', startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - started), detail });
      this.onStep(`${name}: done${detail ? ` (${detail})` : ''}`);
      return value;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.push({ name, status: 'failed', startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - started), detail });
      this.onStep(`${name}: FAILED`);
      throw err;
    }
  }

  /** Record a step deliberately not done (e.g. --no-backup), with why. */
  skip(name: string, detail: string): void {
    this.push({ name, status: 'skipped', startedAt: null, durationMs: 0, detail });
    this.onStep(`${name}: skipped (${detail})`);
  }

  /** Record a step that failed without throwing (verify reports failure as data). */
  fail(name: string, detail: string): void {
    const last = [...this.steps].reverse().find((s) => s.name === name);
    if (last) {
      last.status = 'failed';
      last.detail = detail;
    } else {
      this.push({ name, status: 'failed', startedAt: null, durationMs: 0, detail });
    }
  }

  /** Start journaling from here on; the steps already done are journaled first. */
  attach(journal: Journal): void {
    this.options.journal = journal;
    for (const step of this.steps) journal.record(step, this.options.facts?.() ?? {});
  }

  /** Inside a long step (migrate's apply): journal what the run knows now and wait until it is stored. */
  async checkpoint(): Promise<void> {
    const journal = this.options.journal;
    if (!journal) return;
    journal.record(null, this.options.facts?.() ?? {});
    await journal.flush();
  }

  /** The last step that completed, for messages about where a run stopped. */
  lastCompleted(): string | null {
    return [...this.steps].reverse().find((s) => s.status === 'success')?.name ?? null;
  }

  /** Every planned step that has no result yet, as not-run (in plan order), after the ones that ran. */
  finish(): StepResult[] {
    const seen = new Set(this.steps.map((s) => s.name));
    for (const name of this.planned) {
      if (!seen.has(name)) this.steps.push({ name, status: 'not-run', startedAt: null, durationMs: 0, detail: '' });
    }
    return this.steps;
  }

  private push(result: StepResult): void {
    this.steps.push(result);
    this.options.journal?.record(result, this.options.facts?.() ?? {});
  }

  private stopIfAsked(next: string): void {
    const signal = this.options.signal;
    if (!signal?.aborted) return;
    throw stoppedError(signal.reason, next, this.lastCompleted());
  }
}

/** Did the run end because it was asked to stop (SIGINT / SIGTERM), rather than fail? */
export function isStopError(err: unknown): boolean {
  return isDbrollbackError(err) && (err.code === 'INTERRUPTED' || err.code === 'TERMINATED');
}

/** The error of a run stopped by a signal inside a long step (a download, a recovery), with what that step had done. */
export function stoppedInside(reason: unknown, step: string, done: string): DbrollbackError {
  const name = reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  return new DbrollbackError(name === 'SIGTERM' ? 'TERMINATED' : 'INTERRUPTED', `stopped by ${name} during step "${step}" (${done})`, {
    hint: 'Run the same command again to complete it; `dbrollback history` shows this run and its steps.',
    details: { signal: name, step },
  });
}

/** The error of a run stopped by a signal before `next` started. */
export function stoppedError(reason: unknown, next: string, lastCompleted: string | null): DbrollbackError {
  const name = reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  return new DbrollbackError(name === 'SIGTERM' ? 'TERMINATED' : 'INTERRUPTED', `stopped by ${name} before step "${next}"${lastCompleted ? ` (last completed step: ${lastCompleted})` : ' (no step had completed)'}`, {
    hint: 'Run the same command again to complete it; `dbrollback history` shows this run and its steps.',
    details: { signal: name, nextStep: next, lastCompleted },
  });
}
