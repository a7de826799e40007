import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('job_queue', 'run_at');
  pgm.createIndex('job_queue', ['queue', 'run_at']);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('job_queue', ['queue', 'run_at']);
  pgm.dropIndex('job_queue', 'run_at');
}
