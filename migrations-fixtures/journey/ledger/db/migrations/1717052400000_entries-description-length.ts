import type { MigrationBuilder } from 'node-pg-migrate';

export const shorthands = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addConstraint('entries', 'entries_description_length', {
    check: 'char_length(description) <= 500',
  });
}
