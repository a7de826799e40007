import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('tags', {
    id: 'id',
    account_id: { type: 'integer', notNull: true, references: 'accounts', onDelete: 'CASCADE' },
    label: { type: 'text', notNull: true },
  });
  pgm.createTable('task_tags', {
    task_id: { type: 'integer', notNull: true, references: 'tasks', onDelete: 'CASCADE', primaryKey: true },
    tag_id: { type: 'integer', notNull: true, references: 'tags', onDelete: 'CASCADE', primaryKey: true },
  });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('task_tags');
  pgm.dropTable('tags');
}
