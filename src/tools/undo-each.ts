/**
 * A down run through a tool's own runner one migration per call, newest
 * first (Knex's `migrate.down({ name })`, TypeORM's `undoLastMigration()`):
 * each announced and timed, the run stopped between migrations (never
 * inside one) when asked, and ended at the first failure. What happened is
 * then read back from the tool's history, not inferred from where it threw
 * (down-outcome.ts).
 */
import type { DownResult, MigrationInfo, RunDownOptions } from './contract.js';
import { downOutcome } from './down-outcome.js';

export interface UndoEachRun {
  durations: Map<string, number>;
  error?: unknown;
  /** The migration whose down was running (or refused) when it failed. */
  failedName?: string;
}

/**
 * `undo` for each of the selection in order; `guard` may refuse one before it starts (its error ends the run,
 * nothing announced). Never throws: the failure is in the result.
 */
export async function undoEach(
  selection: readonly MigrationInfo[],
  options: RunDownOptions,
  undo: (m: MigrationInfo) => Promise<void>,
  guard?: (m: MigrationInfo) => Promise<Error | undefined>,
): Promise<UndoEachRun> {
  const durations = new Map<string, number>();
  for (const m of selection) {
    if (options.signal?.aborted) break;
    let refused: Error | undefined;
    try {
      refused = await guard?.(m);
    } catch (error) {
      // The guard could not tell: the run ends there, with this migration not started.
      return { durations, error };
    }
    if (refused) return { durations, error: refused, failedName: m.name };
    options.onStep?.(m.name);
    const started = Date.now();
    try {
      await undo(m);
    } catch (error) {
      return { durations, error, failedName: m.name };
    } finally {
      durations.set(m.name, Date.now() - started);
    }
  }
  return { durations };
}

/** The result of such a run, from the names the tool's history holds after it; `outsideTransaction`: whether a migration ran outside one (a failure may have left part of it). */
export function undoEachOutcome(kind: string, selection: readonly MigrationInfo[], appliedAfter: readonly string[], run: UndoEachRun, outsideTransaction: (name: string) => boolean): DownResult {
  return downOutcome({
    kind,
    selection,
    appliedAfter,
    singleTransaction: false,
    durations: run.durations,
    ...(run.error !== undefined ? { error: run.error, failedName: run.failedName, failedOutsideTransaction: run.failedName !== undefined && outsideTransaction(run.failedName) } : {}),
  });
}
