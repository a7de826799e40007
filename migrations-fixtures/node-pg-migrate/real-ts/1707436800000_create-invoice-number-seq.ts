import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createSequence('invoice_number_seq', { start: 1000 });
  pgm.addColumns('invoices', { number: { type: 'bigint', notNull: true, default: pgm.func("nextval('invoice_number_seq')") } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('invoices', ['number']);
  pgm.dropSequence('invoice_number_seq');
}
