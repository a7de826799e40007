import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createType('invoice_status', ['draft', 'open', 'paid', 'void']);
  pgm.addColumns('invoices', { status: { type: 'invoice_status', notNull: true, default: 'draft' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('invoices', ['status']);
  pgm.dropType('invoice_status');
}
