/** drill: JSON and text (one line per scenario, its steps indented, the timings). */
import type { DrillReport, DrillStepStatus } from '../../index.js';

export function drillJson(r: DrillReport) {
  return {
    ok: r.ok,
    provider: r.provider,
    providerReason: r.providerReason,
    where: r.where,
    serverVersion: r.serverVersion,
    providerStartMs: r.providerStartMs,
    totalMs: r.totalMs,
    scenarios: r.scenarios.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, detail: s.detail, steps: s.steps, facts: s.facts })),
  };
}

const MARK: Record<DrillStepStatus, string> = { pass: 'ok  ', fail: 'FAIL', error: 'ERR ', skip: 'skip', 'not-run': '-   ' };

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
  // A problem is a failed step: with --keep-going one scenario reports several.
  const failed = report.scenarios.filter((s) => s.status === 'fail').reduce((n, s) => n + Math.max(1, s.steps.filter((step) => step.status === 'fail').length), 0);
  const errored = report.scenarios.filter((s) => s.status === 'error').length;
  lines.push('', report.ok ? 'drill passed' : `drill ${failed ? `found ${failed} problem(s)` : ''}${failed && errored ? ' and ' : ''}${errored ? `could not run ${errored} scenario(s)` : ''}`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
