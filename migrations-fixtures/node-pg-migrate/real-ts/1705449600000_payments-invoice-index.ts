import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('payments', 'invoice_id');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('payments', 'invoice_id');
}
