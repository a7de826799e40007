import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('comments', {
    id: 'id',
    task_id: { type: 'integer', notNull: true, references: 'tasks', onDelete: 'CASCADE' },
    author_id: { type: 'integer', references: 'users', onDelete: 'SET NULL' },
    body: { type: 'text', notNull: true },
    created_at: { type: 'timestamptz', notNull: true, default: pgm.func('current_timestamp') },
  });
  pgm.createIndex('comments', 'task_id');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('comments');
}
