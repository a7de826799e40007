/** What the gate's report becomes for others: the error a failed gate raises (exit 3), and its summary in records and reports. */
import { DbrollbackError } from '../errors.js';
import type { CheckResult } from './check.js';
import type { VerifyReport } from './verify.js';

/** The VERIFY_FAILED error (exit 3) for a report that is not ok, naming the failing checks. */
export function verifyFailedError(report: VerifyReport): DbrollbackError {
  const failed = report.checks.filter((c) => c.status === 'fail');
  return new DbrollbackError('VERIFY_FAILED', `verification failed: ${failed.map((c: CheckResult) => `${c.id} (${c.detail})`).join('; ')}`, {
    hint: 'Do not return traffic. Fix what the failing checks name (or restore from the backup), then run dbrollback verify again.',
    details: { failed: failed.map((c) => c.id) },
  });
}

/** The verify gate as the contract shows it in audit records and reports: `{ok, checks: [{id, status, detail}]}`. */
export function verifySummary(report: VerifyReport): { ok: boolean; checks: Array<{ id: string; status: string; detail: string }> } {
  return { ok: report.ok, checks: report.checks.map((c) => ({ id: c.id, status: c.status, detail: c.detail })) };
}
