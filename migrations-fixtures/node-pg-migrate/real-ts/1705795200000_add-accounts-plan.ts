import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('accounts', { plan_id: { type: 'integer', references: 'plans' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('accounts', ['plan_id']);
}
