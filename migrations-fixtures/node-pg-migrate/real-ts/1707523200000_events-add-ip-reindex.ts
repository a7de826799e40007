import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('events', { ip: { type: 'inet' } });
  // Make sure the event indexes exist (some environments were created by hand).
  pgm.createIndex('events', 'account_id', { name: 'events_account_id_idx', ifNotExists: true });
  pgm.createIndex('events', 'actor_id', { name: 'events_actor_id_idx', ifNotExists: true });
  pgm.createIndex('events', 'kind', { name: 'events_kind_idx', ifNotExists: true });
  pgm.createIndex('events', 'occurred_at', { name: 'events_occurred_at_idx', ifNotExists: true });
  pgm.createIndex('events', ['kind', 'occurred_at'], { name: 'events_kind_occurred_at_idx', ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('events', 'account_id', { name: 'events_account_id_idx', ifExists: true });
  pgm.dropIndex('events', 'actor_id', { name: 'events_actor_id_idx', ifExists: true });
  pgm.dropIndex('events', 'kind', { name: 'events_kind_idx', ifExists: true });
  pgm.dropIndex('events', 'occurred_at', { name: 'events_occurred_at_idx', ifExists: true });
  pgm.dropIndex('events', ['kind', 'occurred_at'], { name: 'events_kind_occurred_at_idx', ifExists: true });
  pgm.dropColumns('events', ['ip']);
}
