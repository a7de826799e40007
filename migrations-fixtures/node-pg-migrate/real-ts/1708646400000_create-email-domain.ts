import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createDomain('email_address', 'text', { check: "VALUE ~ '^[^@]+@[^@]+$'" });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropDomain('email_address');
}
