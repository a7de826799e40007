import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addConstraint('subscriptions', 'subscriptions_status_check', { check: "status IN ('active', 'past_due', 'canceled')" });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropConstraint('subscriptions', 'subscriptions_status_check');
}
