/**
 * `dbrollback drill`: rehearse the ways back in a throwaway PostgreSQL and
 * report what was proved, with timings — provider start, each step, total.
 *
 *   choose the provider (auto: testcontainers when an engine answers, else local)
 *   → start one throwaway server, on first use, for all the scenarios
 *   → run each scenario; a finding fails it, a failure to run errors it
 *   → stop the server, always.
 *
 * Nothing here connects to the configured production database: scenarios
 * get the throwaway server, the migration tool opened on it, and the
 * storage (read only).
 */
import { isStopError, stoppedError } from '../audit/checklist.js';
import { DbrollbackError, EXIT, isDbrollbackError, type ExitCode } from '../errors.js';
import type { ProviderChoice, ProviderName, ServerSettings, StartedDatabase } from './providers/contract.js';
import { chooseProvider } from './providers/registry.js';
import type { Scenario, ScenarioContext, ScenarioName, ScenarioResult } from './scenarios/scenario.js';
import { defaultImage } from './providers/testcontainers.js';
import { DrillFinding, DrillSteps, type DrillStatus } from './steps.js';
import { portAllocator, type PortRange } from '../pgtools/port-range.js';

export interface DrillOptions {
  /** The scenarios to run, in order; `all` marks them as asked for as a set (ones that cannot run here are skipped). */
  scenarios: Scenario[];
  all?: boolean;
  provider?: ProviderChoice;
  /** testcontainers image (default postgres:<major of the local PostgreSQL programs>). */
  image?: string;
  /** How long to wait for a Docker engine's answer when choosing (default 5 s). */
  engineTimeoutMs?: number;
  /**
   * A throwaway server already running (the caller starts and stops it; the
   * drill creates and drops its own databases there). Default: start one
   * with the provider.
   */
  server?: StartedDatabase;
  onStep?: (line: string) => void;
  /**
   * Aborted (SIGINT/SIGTERM): no further step or scenario starts, the throwaway server
   * (and a recovered copy) is stopped and removed, and the drill throws INTERRUPTED / TERMINATED.
   */
  signal?: AbortSignal;
  /** Loopback ports for the throwaway servers (--port P or P-Q): each server takes the next free one; default any free port. */
  ports?: PortRange;
}

export interface DrillReport {
  ok: boolean;
  provider: ProviderName;
  /** Why this provider (auto's choice, or that it was asked for). */
  providerReason: string;
  /** The image, or the local server programs' directory. */
  where: string | null;
  serverVersion: string | null;
  providerStartMs: number;
  totalMs: number;
  scenarios: ScenarioResult[];
}

export async function drill(options: DrillOptions): Promise<DrillReport> {
  const started = performance.now();
  const log = options.onStep ?? (() => undefined);
  if (options.scenarios.length === 0) throw new DbrollbackError('USAGE', 'no drill scenario selected', { hint: 'dbrollback drill migrations|restore|pitr|all' });
  if (options.all && options.scenarios.every((s) => s.unavailable !== undefined)) {
    // A drill that rehearsed nothing must not pass.
    throw new DbrollbackError('USAGE', `nothing to drill: ${options.scenarios.map((s) => `${s.name}: ${s.unavailable}`).join('; ')}`, {
      hint: 'Pass --migrations DIR for the migrations drill and --storage URL (where your backups are) for the restore drill.',
    });
  }
  const given = options.server;
  const chosen = given ? null : await chooseProvider(options.provider ?? 'auto', { image: options.image, engineTimeoutMs: options.engineTimeoutMs });
  const providerName = given?.provider ?? chosen!.provider.name;
  const reason = chosen?.reason ?? 'a server given by the caller';
  log(`drill: provider ${providerName} (${reason})`);

  // A scenario that starts a server of its own (pitr's recovered copy) starts it where the drill's runs.
  const image = providerName === 'testcontainers' ? (options.image ?? given?.where ?? (await defaultImage())) : null;
  const settings: ServerSettings = Object.assign({}, ...options.scenarios.map((s) => s.settings ?? {}));
  let server: Promise<StartedDatabase> | undefined = given ? Promise.resolve(given) : undefined;
  let providerStartMs = 0;
  const port = portAllocator(options.ports);
  const startServer = (): Promise<StartedDatabase> => {
    server ??= (async () => {
      const provider = chosen!.provider;
      const t = performance.now();
      log(`drill: starting a throwaway PostgreSQL (${provider.name})`);
      const db = await provider.start({ image: options.image, settings, onLog: log, ...(options.ports ? { port: await port() } : {}) });
      providerStartMs = Math.round(performance.now() - t);
      log(`drill: PostgreSQL ${db.version} ready on ${db.conn.host}:${db.conn.port} in ${providerStartMs} ms`);
      return db;
    })();
    return server;
  };

  const scenarios: ScenarioResult[] = [];
  let stopped: DbrollbackError | null = null;
  try {
    for (const scenario of options.scenarios) {
      if (options.signal?.aborted) throw stoppedError(options.signal.reason, `drill ${scenario.name}`, scenarios.at(-1) ? `drill ${scenarios.at(-1)!.name}` : null);
      scenarios.push(await runScenario(scenario, options.all === true, { server: startServer, provider: providerName, providerAuto: chosen !== null && (options.provider ?? 'auto') === 'auto', image, port }, log, options.signal));
    }
  } catch (err) {
    if (!isStopError(err)) throw err;
    stopped = err as DbrollbackError;
  } finally {
    if (server && !given) await (await server.catch(() => null))?.stop();
  }
  if (stopped) {
    const passed = scenarios.filter((s) => s.status === 'pass').map((s) => s.name);
    throw new DbrollbackError(stopped.code, `${stopped.message}; ${given ? 'the scenarios\' throwaway databases were left to the caller\'s server' : 'every throwaway server it started was stopped and removed'}${passed.length ? ` (passed before the stop: ${passed.join(', ')})` : ''}`, {
      hint: 'Run the drill again to complete it. Nothing outside its throwaway server was touched.',
      details: stopped.details,
      cause: stopped,
    });
  }
  const running = server ? await server.catch(() => null) : null;
  return {
    ok: scenarios.every((s) => s.status === 'pass' || s.status === 'skip'),
    provider: providerName,
    providerReason: reason,
    where: running?.where ?? null,
    serverVersion: running?.version ?? null,
    providerStartMs,
    totalMs: Math.round(performance.now() - started),
    scenarios,
  };
}

async function runScenario(scenario: Scenario, partOfAll: boolean, where: Pick<ScenarioContext, 'server' | 'provider' | 'providerAuto' | 'image' | 'port'>, log: (line: string) => void, signal: AbortSignal | undefined): Promise<ScenarioResult> {
  const started = performance.now();
  const steps = new DrillSteps((line) => log(`drill ${scenario.name}: ${line}`), signal);
  const result = (status: DrillStatus, detail: string, facts: Record<string, unknown> = {}): ScenarioResult => ({
    name: scenario.name,
    status,
    durationMs: Math.round(performance.now() - started),
    detail,
    steps: steps.finish(),
    facts,
  });
  if (scenario.unavailable !== undefined) {
    log(`drill ${scenario.name}: ${partOfAll ? 'skipped' : 'cannot run'}: ${scenario.unavailable}`);
    return result(partOfAll ? 'skip' : 'error', scenario.unavailable);
  }
  log(`drill ${scenario.name}: start`);
  try {
    const outcome = await scenario.run({ ...where, log: (line) => log(`drill ${scenario.name}: ${line}`), signal }, steps);
    const failed = steps.steps.find((s) => s.status === 'fail');
    return result(failed ? 'fail' : 'pass', failed ? `${failed.name}: ${failed.detail}` : outcome.detail, outcome.facts);
  } catch (err) {
    // A stop ends the drill, not just this scenario.
    if (isStopError(err)) throw err;
    // The hint travels with the message: the drill goes on to the next scenario, so nothing else would print it.
    const message = (err instanceof Error ? err.message : String(err)) + (isDbrollbackError(err) && err.hint ? ` — ${err.hint}` : '');
    if (!(err instanceof DrillFinding) && !steps.steps.some((s) => s.status === 'error' || s.status === 'fail')) {
      // Failed before or between steps (the server did not start, the storage could not be read): say where.
      steps.steps.push({ name: 'prepare', status: 'error', durationMs: Math.round(performance.now() - started), detail: message });
    }
    return result(err instanceof DrillFinding ? 'fail' : 'error', message);
  }
}

/** 0 every scenario passed (or was skipped as part of `all`), 3 a drill found a problem, 1 a drill could not run. */
export function drillExitCode(report: DrillReport): ExitCode {
  if (report.scenarios.some((s) => s.status === 'fail')) return EXIT.verifyFailed;
  if (report.scenarios.some((s) => s.status === 'error')) return EXIT.failed;
  return EXIT.ok;
}

export type { ScenarioName };
