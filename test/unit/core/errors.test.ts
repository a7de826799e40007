import { describe, expect, it } from 'vitest';
import { DbrollbackError, ERROR_CODES, EXIT, exitCodeOf } from '../../../src/errors.js';

describe('errors', () => {
  it('maps every code to one of the contract exit codes 1-4, or 130/143 for a run stopped by SIGINT/SIGTERM', () => {
    for (const exit of Object.values(ERROR_CODES)) expect([1, 2, 3, 4, 130, 143]).toContain(exit);
  });

  it('gives usage errors exit 2, verify failures 3, safety refusals 4, failures 1', () => {
    expect(new DbrollbackError('USAGE', 'x').exitCode).toBe(EXIT.usage);
    expect(new DbrollbackError('VERIFY_FAILED', 'x').exitCode).toBe(3);
    expect(new DbrollbackError('DATA_LOSS_REFUSED', 'x').exitCode).toBe(4);
    expect(new DbrollbackError('CONNECTION_FAILED', 'x').exitCode).toBe(1);
    expect(exitCodeOf(new Error('unexpected'))).toBe(1);
  });

  it('keeps PostgreSQL error fields of a wrapped server error', () => {
    const pgError = Object.assign(new Error('relation "x" does not exist'), { severity: 'ERROR', code: '42P01', position: '15' });
    const err = new DbrollbackError('QUERY_FAILED', 'query failed', { cause: pgError, hint: 'check the table' });
    expect(err.pg).toEqual({ code: '42P01', position: '15' });
    expect(err.toJSON()).toMatchObject({ code: 'QUERY_FAILED', message: 'query failed', hint: 'check the table' });
    expect(err.cause).toBe(pgError);
  });
});
