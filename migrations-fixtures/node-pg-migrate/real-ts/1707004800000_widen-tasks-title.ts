import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.alterColumn('tasks', 'title', { type: 'varchar(500)' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.alterColumn('tasks', 'title', { type: 'text' });
}
