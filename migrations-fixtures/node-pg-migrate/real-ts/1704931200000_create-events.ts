import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('events', {
    id: { type: 'bigserial', primaryKey: true },
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    actor_id: { type: 'integer' },
    kind: { type: 'text', notNull: true },
    occurred_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    payload: { type: 'jsonb', notNull: true, default: '{}' },
  });
  pgm.createIndex('events', 'account_id', { name: 'events_account_id_idx' });
  pgm.createIndex('events', 'actor_id', { name: 'events_actor_id_idx' });
  pgm.createIndex('events', 'kind', { name: 'events_kind_idx' });
  pgm.createIndex('events', 'occurred_at', { name: 'events_occurred_at_idx' });
  pgm.createIndex('events', ['kind', 'occurred_at'], { name: 'events_kind_occurred_at_idx' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('events');
}
