import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createType('user_role', ['owner', 'admin', 'member']);
  pgm.addColumns('users', { role: { type: 'user_role', notNull: true, default: 'member' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('users', ['role']);
  pgm.dropType('user_role');
}
