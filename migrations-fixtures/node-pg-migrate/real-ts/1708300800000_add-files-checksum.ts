import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('files', { sha256: { type: 'char(64)' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('files', ['sha256']);
}
