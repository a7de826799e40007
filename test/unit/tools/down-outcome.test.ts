import { describe, expect, it } from 'vitest';
import type { MigrationInfo } from '../../../src/tools/contract.js';
import { downOutcome } from '../../../src/tools/down-outcome.js';
import { assertReversible } from '../../../src/tools/down-guard.js';
import { DbrollbackError } from '../../../src/errors.js';

const info = (name: string, down: MigrationInfo['down'] = 'yes', path: string | null = `/m/${name}`): MigrationInfo => ({
  name,
  path,
  applied: true,
  appliedAt: null,
  down,
});

const selection = [info('006_b'), info('005_a'), info('004_z')];

function failure(fn: () => unknown): DbrollbackError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DbrollbackError) return err;
    throw err;
  }
  throw new Error('expected a DbrollbackError');
}

describe('downOutcome', () => {
  it('reports every step as success when the history no longer lists them', () => {
    const result = downOutcome({ kind: 'sql', selection, appliedAfter: ['001', '002', '003'], singleTransaction: true, durations: new Map([['006_b', 5]]) });
    expect(result.steps.map((s) => s.status)).toEqual(['success', 'success', 'success']);
    expect(result.steps[0]!.durationMs).toBe(5);
    expect(result.headAfter).toBe('003');
  });

  it('a failure after two committed downs says which were undone, which not, and where the database is', () => {
    const err = failure(() =>
      downOutcome({
        kind: 'sql',
        selection,
        appliedAfter: ['003', '004_z'],
        singleTransaction: false,
        durations: new Map(),
        error: new Error('boom'),
        failedName: '004_z',
      }),
    );
    expect(err.code).toBe('MIGRATION_FAILED');
    expect(err.message).toContain('down migration 004_z failed: boom');
    expect(err.message).toContain('Undone (committed): 006_b, 005_a. Not undone: 004_z.');
    expect(err.message).toContain('The database is at 004_z');
    expect(err.details).toMatchObject({ undone: ['006_b', '005_a'], notUndone: ['004_z'], failed: '004_z', headAfter: '004_z' });
  });

  it('a failure in a single transaction says nothing was undone and marks earlier steps as rolled back', () => {
    const err = failure(() =>
      downOutcome({ kind: 'sql', selection, appliedAfter: ['004_z', '005_a', '006_b'], singleTransaction: true, durations: new Map(), error: new Error('boom'), failedName: '005_a' }),
    );
    expect(err.message).toContain('Nothing was undone: the downs ran in one transaction, which was rolled back. The database is still at 006_b.');
    const steps = (err.details as { steps: Array<{ name: string; status: string; error?: string }> }).steps;
    expect(steps.map((s) => s.status)).toEqual(['not-run', 'failed', 'not-run']);
    expect(steps[0]!.error).toMatch(/rolled back/);
  });

  it('never reports success when the tool returned but the history still lists a selected migration', () => {
    expect(failure(() => downOutcome({ kind: 'umzug', selection, appliedAfter: ['004_z'], singleTransaction: false, durations: new Map() })).code).toBe('MIGRATION_FAILED');
  });
});

describe('assertReversible', () => {
  it('passes yes and inferred downs', () => {
    expect(() => assertReversible([info('a'), info('b', 'inferred')])).not.toThrow();
  });

  it('refuses irreversible and missing downs with exit 4, naming each', () => {
    const err = failure(() => assertReversible([info('007_x', 'irreversible'), info('006_y'), info('005_z', 'missing'), info('004_gone', 'missing', null)]));
    expect(err.code).toBe('IRREVERSIBLE');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('007_x (declared irreversible)');
    expect(err.message).toContain('005_z (no down written)');
    expect(err.message).toContain('004_gone (recorded as applied but its definition is not on disk)');
    expect(err.message).not.toContain('006_y');
    // The newest selected one is blocked: there is nothing after it to undo instead.
    expect(err.hint).toBe('Restore from a backup taken before it (`dbrollback plan` shows the restore option).');
  });

  it('names the --to that undoes only the migrations after the newest blocked one (was: "--to NAME")', () => {
    const err = failure(() => assertReversible([info('007_x'), info('006_y', 'empty'), info('005_z')]));
    expect(err.hint).toBe('Undo only the migrations after it (--to 006_y), or restore from a backup taken before it (`dbrollback plan` shows the restore option).');
  });
});
