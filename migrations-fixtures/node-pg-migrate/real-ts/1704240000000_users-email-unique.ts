import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('users', ['account_id', 'email'], { name: 'users_account_email_key', unique: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('users', ['account_id', 'email'], { name: 'users_account_email_key' });
}
