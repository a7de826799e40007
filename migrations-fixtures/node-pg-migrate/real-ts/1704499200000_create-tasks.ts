import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('tasks', {
    id: 'id',
    project_id: { type: 'integer', notNull: true, references: 'projects', onDelete: 'CASCADE' },
    title: { type: 'text', notNull: true },
    status: { type: 'text', notNull: true, default: 'open' },
    due_on: { type: 'date' },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') },
    updated_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') },
  });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('tasks');
}
