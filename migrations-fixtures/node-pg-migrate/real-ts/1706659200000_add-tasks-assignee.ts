import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('tasks', { assignee_id: { type: 'integer', references: 'users', onDelete: 'SET NULL' } });
  pgm.createIndex('tasks', 'assignee_id');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('tasks', ['assignee_id']);
}
