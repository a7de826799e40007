import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('payments', { currency: { type: 'char(3)', notNull: true, default: 'EUR' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('payments', ['currency']);
}
