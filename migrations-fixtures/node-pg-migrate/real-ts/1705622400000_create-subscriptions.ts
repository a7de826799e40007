import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('subscriptions', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    plan_id: { type: 'integer', notNull: true, references: 'plans' },
    status: { type: 'text', notNull: true, default: 'active' },
    started_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') },
  });
  pgm.createIndex('subscriptions', 'account_id');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('subscriptions');
}
