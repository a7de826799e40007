import type { MigrationBuilder } from 'node-pg-migrate';

export const shorthands = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.renameColumn('entries', 'memo', 'description');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.renameColumn('entries', 'description', 'memo');
}
