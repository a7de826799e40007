/**
 * A run as a checklist: each step is recorded with its timing and outcome
 * (success / failed / skipped), and steps never reached are listed as not-run,
 * so the report and the audit record say exactly how far a run got.
 */
import type { StepResult } from './audit-trail.js';

export class Checklist {
  readonly steps: StepResult[] = [];

  constructor(private readonly planned: readonly string[], private readonly onStep: (line: string) => void = () => undefined) {}

  /** Run one step; its failure is recorded and rethrown. */
  async run<T>(name: string, fn: () => Promise<T>, describe: (value: T) => string = () => ''): Promise<T> {
    const startedAt = new Date();
    const started = performance.now();
    this.onStep(`${name}...`);
    try {
      const value = await fn();
      const detail = describe(value);
      this.steps.push({ name, status: 'success', startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - started), detail });
      this.onStep(`${name}: done${detail ? ` (${detail})` : ''}`);
      return value;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.steps.push({ name, status: 'failed', startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - started), detail });
      this.onStep(`${name}: FAILED`);
      throw err;
    }
  }

  /** Record a step deliberately not done (e.g. --no-backup), with why. */
  skip(name: string, detail: string): void {
    this.steps.push({ name, status: 'skipped', startedAt: null, durationMs: 0, detail });
    this.onStep(`${name}: skipped (${detail})`);
  }

  /** Record a step that failed without throwing (verify reports failure as data). */
  fail(name: string, detail: string): void {
    const last = [...this.steps].reverse().find((s) => s.name === name);
    if (last) {
      last.status = 'failed';
      last.detail = detail;
    } else {
      this.steps.push({ name, status: 'failed', startedAt: null, durationMs: 0, detail });
    }
  }

  /** Every planned step that has no result yet, as not-run (in plan order), after the ones that ran. */
  finish(): StepResult[] {
    const seen = new Set(this.steps.map((s) => s.name));
    for (const name of this.planned) {
      if (!seen.has(name)) this.steps.push({ name, status: 'not-run', startedAt: null, durationMs: 0, detail: '' });
    }
    return this.steps;
  }
}
