/** The verify report for people: one line per check, failing ones first with their findings. */
import type { VerifyReport } from '../../index.js';

const ORDER = { fail: 0, pass: 1, skip: 2 } as const;
const LABEL = { fail: 'FAIL', pass: 'pass', skip: 'skip' } as const;

export function formatVerifyReport(report: VerifyReport): string {
  const sorted = [...report.checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const check of sorted) {
    lines.push(`${LABEL[check.status]}  ${check.id.padEnd(width)}  ${check.detail}`);
    if (check.status === 'fail') for (const problem of check.problems ?? []) lines.push(`${' '.repeat(width + 8)}- ${problem}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail');
  const seconds = (report.durationMs / 1000).toFixed(1);
  lines.push('');
  lines.push(
    failed.length === 0
      ? `verify: ok — traffic may return (${report.checks.length} checks on ${report.database} in ${seconds} s)`
      : `verify: FAILED — do not return traffic (${failed.length} of ${report.checks.length} checks failed: ${failed.map((c) => c.id).join(', ')})`,
  );
  return lines.join('\n');
}
