import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.alterColumn('tasks', 'status', { default: 'todo' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.alterColumn('tasks', 'status', { default: null });
}
