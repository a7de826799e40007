/**
 * A drill scenario's steps as data: each step passes (what it proved), fails
 * (what it found — the drill did its job), errors (the drill could not do
 * it) or is skipped (with why); steps never reached are listed as not-run,
 * so a report says exactly how far a drill got and JUnit shows every step.
 */
import { stoppedError } from '../audit/checklist.js';
import { faultPoint } from '../audit/fault-point.js';

export type DrillStatus = 'pass' | 'fail' | 'error' | 'skip';
export type StepStatus = DrillStatus | 'not-run';

export interface DrillStep {
  name: string;
  status: StepStatus;
  durationMs: number;
  detail: string;
}

/** What a step found: its verdict and the sentence that says why. */
export interface Finding {
  ok: boolean;
  detail: string;
}

/** Thrown by a step to stop its scenario with a finding (recorded as fail), not an error. */
export class DrillFinding extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrillFinding';
  }
}

export class DrillSteps {
  readonly steps: DrillStep[] = [];
  private planned: string[] = [];

  constructor(
    private readonly onLine: (line: string) => void = () => undefined,
    /** Aborted (SIGINT/SIGTERM): no further step starts; the scenario ends and the drill stops its throwaways. */
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Run a step whose result is a finding. A failed finding is recorded and
   * thrown as DrillFinding (later steps would build on a wrong state); any
   * other error is recorded as the drill not being able to run and rethrown.
   */
  async check(name: string, fn: () => Promise<Finding>): Promise<void> {
    await faultPoint('drill:before-step', this.signal);
    if (this.signal?.aborted) throw stoppedError(this.signal.reason, name, [...this.steps].reverse().find((s) => s.status === 'pass')?.name ?? null);
    const started = performance.now();
    let finding: Finding;
    try {
      finding = await fn();
    } catch (err) {
      const status: DrillStatus = err instanceof DrillFinding ? 'fail' : 'error';
      this.record(name, status, started, err instanceof Error ? err.message : String(err));
      throw err;
    }
    this.record(name, finding.ok ? 'pass' : 'fail', started, finding.detail);
    if (!finding.ok) throw new DrillFinding(`${name}: ${finding.detail}`);
  }

  /** Run a step that either works (its detail from `describe`) or throws. */
  async run<T>(name: string, fn: () => Promise<T>, describe: (value: T) => string = () => ''): Promise<T> {
    let value!: T;
    await this.check(name, async () => {
      value = await fn();
      return { ok: true, detail: describe(value) };
    });
    return value;
  }

  skip(name: string, detail: string): void {
    this.steps.push({ name, status: 'skip', durationMs: 0, detail });
    this.onLine(`${name}: skipped (${detail})`);
  }

  /** The steps a scenario means to take, once it knows them (listed as not-run if it stops early). */
  plan(names: readonly string[]): void {
    this.planned = [...names];
  }

  /** Steps planned and not reached yet, in plan order. */
  unreached(): string[] {
    const seen = new Set(this.steps.map((s) => s.name));
    return this.planned.filter((name) => !seen.has(name));
  }

  /** Steps planned but not reached, appended as not-run (in plan order). */
  finish(): DrillStep[] {
    for (const name of this.unreached()) this.steps.push({ name, status: 'not-run', durationMs: 0, detail: '' });
    return this.steps;
  }

  /** Record a step timed by its caller (`started` from performance.now()). */
  record(name: string, status: DrillStatus, started: number, detail: string): void {
    const durationMs = Math.round(performance.now() - started);
    this.steps.push({ name, status, durationMs, detail });
    const verdict = status === 'pass' ? 'ok' : status === 'fail' ? 'FAILED' : 'ERROR';
    this.onLine(`${name}: ${verdict} (${durationMs} ms)${detail && status !== 'pass' ? `: ${detail.split('\n')[0]}` : ''}`);
  }
}
