import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createIndex('audit_log', 'created_at', { method: 'brin' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropIndex('audit_log', 'created_at');
}
