import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('tasks', 'project_id');
  pgm.createIndex('tasks', 'status');
  pgm.createIndex('tasks', 'due_on');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('tasks', 'due_on');
  pgm.dropIndex('tasks', 'status');
  pgm.dropIndex('tasks', 'project_id');
}
