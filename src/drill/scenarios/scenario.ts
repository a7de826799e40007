/**
 * The drill-scenario family's contract. A scenario rehearses one way back
 * (down migrations, a logical restore, a point-in-time restore) in the
 * throwaway server the drill started, and reports its steps; it never
 * connects to the configured production database.
 */
import type { ProviderName, ServerSettings, StartedDatabase } from '../providers/contract.js';
import type { DrillStatus, DrillStep, DrillSteps } from '../steps.js';

export type ScenarioName = 'migrations' | 'restore' | 'pitr';

export const SCENARIO_NAMES: readonly ScenarioName[] = ['migrations', 'restore', 'pitr'];

export interface ScenarioContext {
  /** The drill's throwaway server, started on first use and shared by the scenarios of one drill. */
  server(): Promise<StartedDatabase>;
  log(line: string): void;
  /** Aborted (SIGINT/SIGTERM): long steps (a point-in-time recovery) stop where they are. */
  signal?: AbortSignal | undefined;
  /** Where the drill runs its servers: a scenario that starts one of its own (pitr) starts it the same way. */
  provider: ProviderName;
  /** testcontainers: the image; null for the local provider. */
  image: string | null;
  /** The provider was chosen by `--provider auto` (not named): a scenario may start its own server where it can. */
  providerAuto: boolean;
  /** The port for a server a scenario starts itself (the next of --port's range, else any free one). */
  port: () => Promise<number>;
}

export interface ScenarioOutcome {
  /** One line for the summary (what was proved or measured). */
  detail: string;
  /** Measured facts for --json (times, sizes, ids). */
  facts?: Record<string, unknown>;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** Why it cannot run here at all (e.g. a part not built yet); `drill all` then skips it, naming it alone is an error. */
  readonly unavailable?: string;
  /** Server settings this scenario needs from the provider. */
  readonly settings?: ServerSettings;
  run(context: ScenarioContext, steps: DrillSteps): Promise<ScenarioOutcome>;
}

export interface ScenarioResult {
  name: ScenarioName;
  status: DrillStatus;
  durationMs: number;
  detail: string;
  steps: DrillStep[];
  facts: Record<string, unknown>;
}
