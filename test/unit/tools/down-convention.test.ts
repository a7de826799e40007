import { describe, expect, it } from 'vitest';
import { downConvention } from '../../../src/tools/down-convention.js';

/* eslint-disable @typescript-eslint/no-unused-vars */
describe('downConvention: irreversible or empty by convention, read from the source', () => {
  it('a down whose only statement is a throw is irreversible, with its message', () => {
    const migration = {
      async down() {
        throw new Error('enum values cannot be removed');
      },
    };
    expect(downConvention(migration.down)).toEqual({ kind: 'throws', message: 'enum values cannot be removed' });
    expect(downConvention(() => {
      throw new Error(`cannot undo ${'x'}`);
    })).toMatchObject({ kind: 'throws' });
    expect(downConvention(() => Promise.reject(new Error('no way back')))).toEqual({ kind: 'throws', message: 'no way back' });
  });

  it('an empty down, a comment-only template, a bare return and Promise.resolve() are empty', () => {
    const template = {
      async down(queryInterface: unknown, Sequelize: unknown) {
        /**
         * Add reverting commands here.
         *
         * Example:
         * await queryInterface.dropTable('users');
         */
      },
    };
    expect(downConvention(template.down)).toEqual({ kind: 'empty' });
    expect(downConvention(async () => {})).toEqual({ kind: 'empty' });
    expect(downConvention(function down() {
      return;
    })).toEqual({ kind: 'empty' });
    expect(downConvention(() => Promise.resolve())).toEqual({ kind: 'empty' });
  });

  it('a down that does work, or throws only sometimes, is neither', () => {
    const qi = { dropTable: async (_: string) => undefined, removeColumn: (_a: string, _b: string) => Promise.resolve() };
    expect(downConvention(async () => {
      await qi.dropTable('accounts');
    })).toBeNull();
    expect(downConvention(() => qi.removeColumn('accounts', 'tz'))).toBeNull();
    expect(downConvention((force: boolean) => {
      if (!force) throw new Error('pass force');
      return qi.dropTable('x');
    })).toBeNull();
    expect(downConvention(async () => {
      throw new Error('await this');
    })).toMatchObject({ kind: 'throws' });
    expect(downConvention(Math.max)).toBeNull();
    expect(downConvention(undefined)).toBeNull();
  });
});
