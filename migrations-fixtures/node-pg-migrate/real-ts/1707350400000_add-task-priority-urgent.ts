import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.addTypeValue('task_priority', 'urgent', { ifNotExists: true, after: 'high' });
}

export async function down(): Promise<void> {
  // PostgreSQL cannot drop a value from an enum type.
}
