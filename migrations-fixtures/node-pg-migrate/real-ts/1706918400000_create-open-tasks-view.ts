import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createView('open_tasks', {}, "SELECT id, project_id, title, due_on FROM tasks WHERE status = 'open'");
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropView('open_tasks');
}
