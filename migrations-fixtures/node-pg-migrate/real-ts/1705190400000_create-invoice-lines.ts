import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('invoice_lines', {
    id: 'id',
    invoice_id: { type: 'integer', notNull: true, references: 'invoices', onDelete: 'CASCADE' },
    description: { type: 'text', notNull: true },
    quantity: { type: 'integer', notNull: true, default: 1, check: 'quantity > 0' },
    unit_cents: { type: 'bigint', notNull: true },
  });
  pgm.createIndex('invoice_lines', 'invoice_id');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('invoice_lines');
}
