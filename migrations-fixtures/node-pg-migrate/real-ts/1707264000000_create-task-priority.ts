import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createType('task_priority', ['low', 'normal', 'high']);
  pgm.addColumns('tasks', { priority: { type: 'task_priority', notNull: true, default: 'normal' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('tasks', ['priority']);
  pgm.dropType('task_priority');
}
