import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('subscriptions', { trial_ends_at: { type: 'timestamptz' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('subscriptions', ['trial_ends_at']);
}
