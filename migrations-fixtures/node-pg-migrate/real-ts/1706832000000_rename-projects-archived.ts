import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.renameColumn('projects', 'archived', 'is_archived');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.renameColumn('projects', 'is_archived', 'archived');
}
