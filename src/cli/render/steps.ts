/** The step lines every runbook report starts with: status, name, detail, time. */
import type { StepResult } from '../../index.js';

export function stepLines(steps: readonly StepResult[]): string[] {
  return steps.map((s) => `  ${s.status.padEnd(8)} ${s.name}${s.detail ? ` — ${s.detail}` : ''}${s.durationMs ? ` (${(s.durationMs / 1000).toFixed(1)} s)` : ''}`);
}
