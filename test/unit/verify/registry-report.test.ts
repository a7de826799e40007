import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../../src/verify/check.js';
import { CHECKS, selectChecks } from '../../../src/verify/registry.js';
import { formatVerifyReport } from '../../../src/cli/render/verify.js';
import { verifyFailedError } from '../../../src/verify/report.js';
import type { VerifyReport } from '../../../src/verify/verify.js';

describe('check registry', () => {
  it('holds one check per id, in report order', () => {
    expect(CHECKS.map((c) => c.id)).toEqual([...CHECK_IDS]);
  });

  it('selects --checks minus --skip-checks, keeping registry order', () => {
    expect(selectChecks(['sequences', 'connectivity', 'indexes'], ['indexes']).map((c) => c.id)).toEqual(['connectivity', 'sequences']);
    expect(selectChecks(undefined, ['custom', 'amcheck'])).toHaveLength(CHECK_IDS.length - 2);
  });

  it('rejects unknown ids and empty selections as usage errors', () => {
    expect(() => selectChecks(['fingerprint'])).toThrow(expect.objectContaining({ code: 'USAGE', message: 'unknown check: fingerprint' }));
    expect(() => selectChecks(['indexes'], ['indexes'])).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('verify report', () => {
  const report: VerifyReport = {
    ok: false,
    database: 'app@db:5432/shop',
    baseline: 'backup X',
    durationMs: 1234,
    checks: [
      { id: 'connectivity', status: 'pass', detail: 'PostgreSQL 15', durationMs: 1 },
      { id: 'amcheck', status: 'skip', detail: 'not installed', durationMs: 1 },
      { id: 'sequences', status: 'fail', detail: '1 sequence of 3 behind their column', problems: ['public.t_id_seq would hand out 5'], durationMs: 2 },
    ],
  };

  it('prints failing checks first with their findings, one line per check, and the verdict last', () => {
    expect(formatVerifyReport(report)).toBe(
      [
        'FAIL  sequences     1 sequence of 3 behind their column',
        '                    - public.t_id_seq would hand out 5',
        'pass  connectivity  PostgreSQL 15',
        'skip  amcheck       not installed',
        '',
        'verify: FAILED — do not return traffic (1 of 3 checks failed: sequences)',
      ].join('\n'),
    );
  });

  it('turns a failed report into VERIFY_FAILED (exit 3) naming the checks', () => {
    const err = verifyFailedError(report);
    expect(err.code).toBe('VERIFY_FAILED');
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('verification failed: sequences (1 sequence of 3 behind their column)');
  });
});
