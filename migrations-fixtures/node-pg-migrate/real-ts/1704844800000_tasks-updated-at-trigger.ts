import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createFunction('set_updated_at', [], { returns: 'trigger', language: 'plpgsql', replace: true }, `
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;`);
  pgm.createTrigger('tasks', 'tasks_set_updated_at', { when: 'BEFORE', operation: 'UPDATE', level: 'ROW', function: 'set_updated_at' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTrigger('tasks', 'tasks_set_updated_at');
  pgm.dropFunction('set_updated_at', []);
}
