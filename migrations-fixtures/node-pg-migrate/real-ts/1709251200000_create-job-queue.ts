import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('job_queue', {
    id: { type: 'bigserial', primaryKey: true },
    queue: { type: 'text', notNull: true, default: 'default' },
    payload: { type: 'jsonb', notNull: true },
    run_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') },
    attempts: { type: 'integer', notNull: true, default: 0 },
  });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('job_queue');
}
