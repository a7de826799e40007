import type { ColumnDefinitions, MigrationBuilder } from 'node-pg-migrate';

export const shorthands: ColumnDefinitions | undefined = undefined;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.alterColumn('webhooks', 'url', { type: 'varchar(2048)' });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.alterColumn('webhooks', 'url', { type: 'text' });
}
