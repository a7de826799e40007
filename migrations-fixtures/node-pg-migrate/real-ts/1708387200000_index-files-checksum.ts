import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('files', 'sha256');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('files', 'sha256');
}
