/** A drill report for people: one line per scenario, its steps indented, the timings. */
import type { DrillReport } from './drill.js';
import type { StepStatus } from './steps.js';

const MARK: Record<StepStatus, string> = { pass: 'ok  ', fail: 'FAIL', error: 'ERR ', skip: 'skip', 'not-run': '-   ' };

export function formatDrillReport(report: DrillReport, options: { verbose?: boolean } = {}): string {
  const lines = [
    `drill on ${report.provider} (${report.providerReason})${report.where ? `: ${report.where}` : ''}${report.serverVersion ? `, PostgreSQL ${report.serverVersion}` : ''}`,
    `provider start ${seconds(report.providerStartMs)}, total ${seconds(report.totalMs)}`,
  ];
  for (const s of report.scenarios) {
    lines.push('', `${MARK[s.status]} ${s.name} (${seconds(s.durationMs)}): ${s.detail}`);
    for (const step of s.steps) {
      // Passing steps are the long list; show them when asked, or when something went wrong around them.
      if (step.status === 'pass' && !options.verbose && s.status === 'pass') continue;
      lines.push(`     ${MARK[step.status]} ${step.name}${step.durationMs ? ` (${step.durationMs} ms)` : ''}${step.detail && step.status !== 'pass' ? `: ${step.detail}` : ''}`);
    }
  }
  const failed = report.scenarios.filter((s) => s.status === 'fail').length;
  const errored = report.scenarios.filter((s) => s.status === 'error').length;
  lines.push('', report.ok ? 'drill passed' : `drill ${failed ? `found ${failed} problem(s)` : ''}${failed && errored ? ' and ' : ''}${errored ? `could not run ${errored} scenario(s)` : ''}`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
