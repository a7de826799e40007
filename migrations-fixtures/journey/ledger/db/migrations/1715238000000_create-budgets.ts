import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('budgets', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    month: { type: 'date', notNull: true },
    limit_cents: { type: 'integer', notNull: true },
  });
  pgm.addConstraint('budgets', 'budgets_account_month_key', { unique: ['account_id', 'month'] });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('budgets');
}
