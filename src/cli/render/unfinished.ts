/** Runs that started and never finished, as status and history show them. */
import { describeRunFacts, type UnfinishedRun } from '../../index.js';

export function unfinishedJson(r: UnfinishedRun) {
  return {
    runId: r.runId,
    command: r.command,
    database: r.database,
    state: r.state,
    startedAt: r.startedAt,
    lastSeen: r.lastSeen,
    who: r.who,
    lastCompletedStep: r.lastCompleted,
    steps: r.steps,
    databaseState: describeRunFacts(r.facts),
  };
}

export function describeUnfinished(r: UnfinishedRun): string {
  const who = r.who ? `${r.who.osUser}@${r.who.host} pid ${r.who.pid}` : 'unknown';
  const verb = r.state === 'running' ? 'RUNNING' : 'INTERRUPTED';
  return `${verb}: ${r.command} ${r.runId} (started ${r.startedAt} by ${who}; last sign of life ${r.lastSeen}) — last completed step: ${r.lastCompleted ?? '(none)'}; ${describeRunFacts(r.facts)}`;
}
