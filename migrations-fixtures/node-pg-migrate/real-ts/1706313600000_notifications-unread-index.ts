import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('notifications', 'user_id', { name: 'notifications_unread_idx', where: 'read_at IS NULL' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('notifications', 'user_id', { name: 'notifications_unread_idx' });
}
