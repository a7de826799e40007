import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('users', 'email', { name: 'users_active_email_idx', where: 'deleted_at IS NULL' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('users', 'email', { name: 'users_active_email_idx' });
}
