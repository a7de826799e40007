import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('invoices', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts' },
    total_cents: { type: 'bigint', notNull: true, default: 0 },
    issued_on: { type: 'date' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') },
  });
  pgm.createIndex('invoices', 'account_id');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('invoices');
}
